// C++ raw string literals keep comment markers and quotes.
const char *s = R"(
/* not a comment
// not a comment
)";
auto t = R"xy(a )" b)xy";
int n = 1'000'000; // digit separators are not character literals
/* real comment */

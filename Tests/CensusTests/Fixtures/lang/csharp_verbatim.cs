class C {
    string a = @"verbatim ""quoted"" // not a comment
/* still inside the verbatim string
";
    // comment
    unsafe void F(int* p) { }
    string b = "unsafe in a string";
}

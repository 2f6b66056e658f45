fn main() {
    let a = r#"a "quoted" // not a comment"#;
    let b = r##"multi
/* not a comment
"# still inside
"##;
    let c = "plain \" string // inside";
    let d = b"bytes /* not */";
}
// comment

class J {
    String t = """
        /* not a comment
        // not a comment
        """;
    /** javadoc */
    int x = 1; // trailing
}

/// Namespace for the Checks stage.
public enum ChecksStage {}

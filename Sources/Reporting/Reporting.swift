/// Namespace for the Reporting stage.
public enum ReportingStage {}

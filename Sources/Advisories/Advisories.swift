/// Namespace for the Advisories stage.
public enum AdvisoriesStage {}

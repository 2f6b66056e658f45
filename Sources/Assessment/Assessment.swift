/// Namespace for the Assessment stage.
public enum AssessmentStage {}

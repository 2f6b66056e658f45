/// Namespace for the Census stage.
public enum CensusStage {}

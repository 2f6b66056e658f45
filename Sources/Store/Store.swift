/// Namespace for the Store stage.
public enum StoreStage {}

public enum VendorEvidenceNamespace {}

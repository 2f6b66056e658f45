public import BulkheadModel
public import Foundation

/// Names under which a product appears elsewhere: package managers, binaries, CPE, OSV, CVE 5 records.
/// The single source of advisory aliases: `Assessment.AdvisoryAliases` turns these into the advisory
/// matcher's `Advisories.ProductAliases` (CLI `bulkhead advisories`, ISM-1606 and criterion 5).
public struct ProductAliases: Codable, Hashable, Sendable {
    public struct OSVName: Codable, Hashable, Sendable {
        public var ecosystem: String
        public var package: String
        public init(ecosystem: String, package: String) {
            self.ecosystem = ecosystem
            self.package = package
        }
        public init(from decoder: any Decoder) throws {
            let c = try strictContainer(decoder, CodingKeys.self, allowed: ["ecosystem", "package"])
            ecosystem = try decodeNonEmpty(c, .ecosystem)
            package = try decodeNonEmpty(c, .package)
        }
    }
    public struct CVEName: Codable, Hashable, Sendable {
        /// `affected[].vendor` in a CVE 5 record.
        public var vendor: String
        /// `affected[].product` in a CVE 5 record.
        public var product: String
        public init(vendor: String, product: String) {
            self.vendor = vendor
            self.product = product
        }
        public init(from decoder: any Decoder) throws {
            let c = try strictContainer(decoder, CodingKeys.self, allowed: ["vendor", "product"])
            vendor = try decodeNonEmpty(c, .vendor)
            product = try decodeNonEmpty(c, .product)
        }
    }

    /// A vendor whose records name the product only in their description: Microsoft's CVE 5 records list
    /// Windows editions as the product and say "Windows Hyper-V …" in the description.
    public struct VendorKeyword: Codable, Hashable, Sendable {
        /// `affected[].vendor` in a CVE 5 record, or the CPE vendor.
        public var vendor: String
        /// A whole word (case-insensitive) the description must contain.
        public var keyword: String
        public init(vendor: String, keyword: String) {
            self.vendor = vendor
            self.keyword = keyword
        }
        public init(from decoder: any Decoder) throws {
            let c = try strictContainer(decoder, CodingKeys.self, allowed: ["vendor", "keyword"])
            vendor = try decodeNonEmpty(c, .vendor)
            keyword = try decodeNonEmpty(c, .keyword)
        }
    }

    /// Other names people use ("Citrix Hypervisor", "runsc").
    public var names: [String]
    public var debianPackages: [String]
    public var rpmPackages: [String]
    public var binaries: [String]
    /// CPE 2.3 `vendor:product` pairs.
    public var cpe: [String]
    public var osv: [OSVName]
    public var cve: [CVEName]
    /// Words searched (whole words, case-insensitive) in the description of advisory records that name no
    /// vendor, product, package or CPE (`n/a`/`n/a`, as MITRE-era records do): "Firecracker", "gVisor".
    public var descriptionKeywords: [String]
    /// Records of this vendor whose description names the product ("Microsoft" + "Hyper-V").
    public var vendorKeywords: [VendorKeyword]
    /// `ID` values of /etc/os-release this operating-system product is (`debian`, `ubuntu`, `rhel`, `sles`);
    /// the host's operating system is judged under ISM-1743 as the product whose list holds the host's ID.
    public var osReleaseIDs: [String]

    public init(
        names: [String] = [], debianPackages: [String] = [], rpmPackages: [String] = [], binaries: [String] = [],
        cpe: [String] = [], osv: [OSVName] = [], cve: [CVEName] = [], descriptionKeywords: [String] = [],
        vendorKeywords: [VendorKeyword] = [], osReleaseIDs: [String] = []
    ) {
        self.names = names
        self.debianPackages = debianPackages
        self.rpmPackages = rpmPackages
        self.binaries = binaries
        self.cpe = cpe
        self.osv = osv
        self.cve = cve
        self.descriptionKeywords = descriptionKeywords
        self.vendorKeywords = vendorKeywords
        self.osReleaseIDs = osReleaseIDs
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case names, debianPackages, rpmPackages, binaries, cpe, osv, cve, descriptionKeywords, vendorKeywords, osReleaseIDs
    }

    public init(from decoder: any Decoder) throws {
        let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
        names = try c.decodeIfPresent([String].self, forKey: .names) ?? []
        debianPackages = try c.decodeIfPresent([String].self, forKey: .debianPackages) ?? []
        rpmPackages = try c.decodeIfPresent([String].self, forKey: .rpmPackages) ?? []
        binaries = try c.decodeIfPresent([String].self, forKey: .binaries) ?? []
        cpe = try c.decodeIfPresent([String].self, forKey: .cpe) ?? []
        /// The error for element `i` of the list at `key`.
        func badElement(_ key: CodingKeys, _ i: Int, _ description: String) -> DecodingError {
            .dataCorrupted(
                .init(codingPath: decoder.codingPath + [key, AnyKey(intValue: i) ?? AnyKey(stringValue: "\(i)")], debugDescription: description))
        }
        for (i, pair) in cpe.enumerated() {
            let parts = pair.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
                throw badElement(.cpe, i, "\"\(pair)\" is not a CPE vendor:product pair")
            }
        }
        osv = try c.decodeIfPresent([OSVName].self, forKey: .osv) ?? []
        cve = try c.decodeIfPresent([CVEName].self, forKey: .cve) ?? []
        descriptionKeywords = try c.decodeIfPresent([String].self, forKey: .descriptionKeywords) ?? []
        for (i, word) in descriptionKeywords.enumerated() where word.trimmingCharacters(in: .whitespaces).isEmpty {
            throw badElement(.descriptionKeywords, i, "a description keyword must not be empty (an empty word would match every record)")
        }
        vendorKeywords = try c.decodeIfPresent([VendorKeyword].self, forKey: .vendorKeywords) ?? []
        osReleaseIDs = try c.decodeIfPresent([String].self, forKey: .osReleaseIDs) ?? []
    }
}

/// Where a component sits, which decides how criterion 4a weighs it (docs/criteria.md).
public enum ComponentLayer: String, Codable, Hashable, Sendable, CaseIterable {
    /// Code inside the host kernel that every product on it shares (KVM, namespaces, seccomp). Named as the
    /// weakest part when it is, but judged with the host OS (ISM-1605, ISM-1743), not against the product.
    case kernel
    /// The product's own isolation-critical code: VMM, device model, hypervisor, sandbox kernel, runtime.
    case mechanism
    /// A management layer or toolstack that configures the mechanism but is not on the guest's path.
    case management
}

/// One part of a product's stack (e.g. Firecracker = KVM (C) + Firecracker VMM (Rust)).
public struct Component: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    /// Main languages, most code first (`Rust`, `C`, `Go`, `OCaml`, `unknown` for closed source).
    public var languages: [String]
    public var layer: ComponentLayer
    /// True when a guest or sandboxed workload can reach this code.
    public var isolationCritical: Bool
    /// Source repository URL, or nil for closed source.
    public var repository: String?
    /// Another catalog product this component is (e.g. `kvm`), when it has an entry of its own.
    public var product: ProductID?

    public init(
        id: String, name: String, languages: [String], layer: ComponentLayer, isolationCritical: Bool,
        repository: String? = nil, product: ProductID? = nil
    ) {
        self.id = id
        self.name = name
        self.languages = languages
        self.layer = layer
        self.isolationCritical = isolationCritical
        self.repository = repository
        self.product = product
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, languages, layer, isolationCritical, repository, product
    }

    public init(from decoder: any Decoder) throws {
        let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
        id = try decodeNonEmpty(c, .id)
        name = try decodeNonEmpty(c, .name)
        languages = try c.decode([String].self, forKey: .languages)
        if languages.isEmpty {
            throw DecodingError.dataCorruptedError(
                forKey: .languages, in: c, debugDescription: "list at least one language (\"unknown\" for closed source)")
        }
        layer = try c.decode(ComponentLayer.self, forKey: .layer)
        isolationCritical = try c.decode(Bool.self, forKey: .isolationCritical)
        repository = try c.decodeIfPresent(String.self, forKey: .repository)
        product = try c.decodeIfPresent(ProductID.self, forKey: .product)
    }
}

/// A published support lifecycle (ISM-1848 reads it through `lifecycle.support-window`).
public struct SupportLifecycle: Codable, Hashable, Sendable {
    /// One release line (`4.19`, `2.2`, `v1.16` written `1.16`).
    public struct Branch: Codable, Hashable, Sendable {
        /// The vendor's published state of a line on the lifecycle's `observed` date.
        public enum Status: String, Codable, Hashable, Sendable { case supported, ended }
        public var version: String
        /// The day support (security fixes) ends, as the vendor published it.
        public var endOfSupport: Date?
        /// The vendor guarantees support at least until this day; after it the line's state depends on later
        /// releases the catalog cannot see (Firecracker's "Min. end of support").
        public var supportedAtLeastUntil: Date?
        /// The state the vendor published on `observed` (for lines without dates: "Unmaintained").
        public var status: Status?
        public var note: String?
        /// Where this line's dates are published, when not the lifecycle's own `source` (Xen: one SUPPORT.md per branch).
        public var source: Evidence.Source?
        enum CodingKeys: String, CodingKey, CaseIterable { case version, endOfSupport, supportedAtLeastUntil, status, note, source }
        public init(
            version: String, endOfSupport: Date? = nil, supportedAtLeastUntil: Date? = nil, status: Status? = nil,
            note: String? = nil, source: Evidence.Source? = nil
        ) {
            self.version = version
            self.endOfSupport = endOfSupport
            self.supportedAtLeastUntil = supportedAtLeastUntil
            self.status = status
            self.note = note
            self.source = source
        }
        public init(from decoder: any Decoder) throws {
            let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
            version = try decodeNonEmpty(c, .version)
            guard !dottedVersionNumbers(version).isEmpty else {
                throw DecodingError.dataCorruptedError(
                    forKey: .version, in: c, debugDescription: "\"\(version)\" is not a release line (dotted numbers such as \"4.19\")")
            }
            endOfSupport = try c.contains(.endOfSupport) ? CalendarDate.decode(c, .endOfSupport) : nil
            supportedAtLeastUntil = try c.contains(.supportedAtLeastUntil) ? CalendarDate.decode(c, .supportedAtLeastUntil) : nil
            status = try c.decodeIfPresent(Status.self, forKey: .status)
            note = try c.decodeIfPresent(String.self, forKey: .note)
            source = try c.decodeIfPresent(SourceRef.self, forKey: .source)?.evidenceSource
            if status == .ended, endOfSupport == nil, supportedAtLeastUntil != nil {
                throw DecodingError.dataCorruptedError(
                    forKey: .status, in: c, debugDescription: "an ended line has no \"supportedAtLeastUntil\" (write its \"endOfSupport\" if known)")
            }
        }
    }
    /// The policy in words ("only the current release series receives security fixes").
    public var policy: String
    public var branches: [Branch]
    public var source: Evidence.Source
    public var observed: Date
    /// The vendor supports only its `latestLines` newest release lines (Kata: 1, runc: 3); `branches` then lists
    /// the newest lines known on `observed` (none when no pinned source names them: the check is then inconclusive).
    /// A line older than the `latestLines` newest listed is out of support; one among them may have been
    /// superseded since, which the catalog cannot know.
    public var latestLines: Int?
    /// False when no published support policy was found; `policy` then says where we looked, and there are no
    /// branches. The check reports such a product as inconclusive, never as supported.
    public var published: Bool

    enum CodingKeys: String, CodingKey, CaseIterable { case policy, branches, source, observed, latestLines, published }

    public init(
        policy: String, branches: [Branch] = [], source: Evidence.Source, observed: Date, latestLines: Int? = nil,
        published: Bool = true
    ) {
        self.policy = policy
        self.branches = branches
        self.source = source
        self.observed = observed
        self.latestLines = latestLines
        self.published = published
    }

    public init(from decoder: any Decoder) throws {
        let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
        policy = try decodeNonEmpty(c, .policy)
        branches = try c.decodeIfPresent([Branch].self, forKey: .branches) ?? []
        source = try c.decode(SourceRef.self, forKey: .source).evidenceSource
        observed = try CalendarDate.decode(c, .observed)
        latestLines = try c.decodeIfPresent(Int.self, forKey: .latestLines)
        published = try c.decodeIfPresent(Bool.self, forKey: .published) ?? true
        if let n = latestLines, n < 1 {
            throw DecodingError.dataCorruptedError(forKey: .latestLines, in: c, debugDescription: "latestLines is at least 1 (got \(n))")
        }
        if !published, !branches.isEmpty || latestLines != nil {
            throw DecodingError.dataCorruptedError(
                forKey: .published, in: c, debugDescription: "an unpublished policy has no branches and no latestLines")
        }
        var seen: Set<[Int]> = []
        for b in branches where !seen.insert(dottedVersionNumbers(b.version)).inserted {
            throw DecodingError.dataCorruptedError(forKey: .branches, in: c, debugDescription: "release line \"\(b.version)\" is listed twice")
        }
    }
}

/// `{"url": "...", "title": "..."}` in a catalog or evidence file.
struct SourceRef: Decodable {
    var url: String
    var title: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case url, title }
    init(from decoder: any Decoder) throws {
        let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
        url = try decodeNonEmpty(c, .url)
        guard url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("file:") || url.hasPrefix("doc:") else {
            throw DecodingError.dataCorruptedError(
                forKey: .url, in: c,
                debugDescription: "\"\(url)\" is not a source address (http(s)://…, file:… or doc:… for a document)")
        }
        title = try c.decodeIfPresent(String.self, forKey: .title)
    }
    var evidenceSource: Evidence.Source { .document(url: url, title: title) }
}

/// One fact as written in a catalog file.
struct CatalogFactEntry: Decodable {
    var criterion: Criterion
    var aspect: Aspect
    var component: String?
    var claim: String
    var value: FactValue
    var source: SourceRef
    var observed: Date
    var confidence: Confidence

    enum CodingKeys: String, CodingKey, CaseIterable {
        case criterion, aspect, component, claim, value, source, observed, confidence
    }

    init(from decoder: any Decoder) throws {
        let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
        (criterion, aspect) = try decodeAspect(c, criterion: .criterion, aspect: .aspect)
        component = try c.decodeIfPresent(String.self, forKey: .component)
        claim = try decodeNonEmpty(c, .claim)
        value = try c.decode(FactValue.self, forKey: .value)
        source = try c.decode(SourceRef.self, forKey: .source)
        observed = try CalendarDate.decode(c, .observed)
        confidence = try c.decode(Confidence.self, forKey: .confidence)
    }
}

/// A catalog file as written (Catalog/<id>.json; docs/catalog-format.md).
struct ProductFile: Decodable {
    var schemaVersion: Int
    var id: String
    var name: String
    var vendor: String
    var role: MechanismRole
    var summary: String
    var aliases: ProductAliases
    var components: [Component]
    var lifecycle: SupportLifecycle?
    var facts: [CatalogFactEntry]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case schemaVersion = "schemaVersion", id, name, vendor, role, summary, aliases, components, lifecycle, facts
        case schema = "$schema"
    }

    init(from decoder: any Decoder) throws {
        let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
        schemaVersion = try c.decode(Int.self, forKey: .schemaVersion)
        guard schemaVersion == Catalog.schemaVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .schemaVersion, in: c,
                debugDescription: "schema version \(schemaVersion) is not supported (this Bulkhead reads \(Catalog.schemaVersion))")
        }
        id = try decodeNonEmpty(c, .id)
        guard isValidProductID(id) else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: c, debugDescription: "\"\(id)\" is not a product id (lower-case letters, digits, hyphens)")
        }
        name = try decodeNonEmpty(c, .name)
        vendor = try decodeNonEmpty(c, .vendor)
        role = try c.decode(MechanismRole.self, forKey: .role)
        summary = try decodeNonEmpty(c, .summary)
        aliases = try c.decode(ProductAliases.self, forKey: .aliases)
        components = try c.decode([Component].self, forKey: .components)
        if components.isEmpty {
            throw DecodingError.dataCorruptedError(
                forKey: .components, in: c, debugDescription: "list at least one component")
        }
        lifecycle = try c.decodeIfPresent(SupportLifecycle.self, forKey: .lifecycle)
        facts = try c.decode([CatalogFactEntry].self, forKey: .facts)
    }
}

/// A product in the catalog: names, vendor, role, the components of its stack and its facts.
public struct Product: Codable, Hashable, Sendable, Identifiable {
    public var id: ProductID
    public var name: String
    public var vendor: String
    public var role: MechanismRole
    public var summary: String
    public var aliases: ProductAliases
    public var components: [Component]
    public var lifecycle: SupportLifecycle?
    public var facts: [CriterionFact]
    /// The catalog file it came from (`firecracker.json`).
    public var file: String

    public init(
        id: ProductID, name: String, vendor: String, role: MechanismRole, summary: String,
        aliases: ProductAliases = ProductAliases(), components: [Component], lifecycle: SupportLifecycle? = nil,
        facts: [CriterionFact], file: String
    ) {
        self.id = id
        self.name = name
        self.vendor = vendor
        self.role = role
        self.summary = summary
        self.aliases = aliases
        self.components = components
        self.lifecycle = lifecycle
        self.facts = facts
        self.file = file
    }

    public func component(_ id: String) -> Component? { components.first { $0.id == id } }
}

/// The product catalog: every product Bulkhead knows, with facts and sources.
public struct Catalog: Sendable {
    /// Version of the catalog file format (docs/catalog-format.md).
    public static let schemaVersion = 1
    /// Largest catalog or evidence file read: 1 MiB.
    public static let fileLimit = 1 << 20

    public private(set) var products: [Product]
    /// Files that could not be loaded; the rest of the catalog is usable.
    public private(set) var problems: [VendorEvidenceError]

    public init(products: [Product], problems: [VendorEvidenceError] = []) {
        self.products = products.sorted { $0.id < $1.id }
        self.problems = problems
    }

    /// The catalog shipped inside Bulkhead (the `Catalog` resource folder).
    public static func bundled() -> Catalog {
        guard let url = Bundle.module.url(forResource: "Catalog", withExtension: nil) else {
            return Catalog(
                products: [],
                problems: [VendorEvidenceError(.unreadable, file: "Catalog", message: "the bundled catalog is missing from this build")])
        }
        return load(directory: url)
    }

    /// Directory of the bundled catalog, for tests and `vendor` help.
    public static var bundledDirectory: URL? { Bundle.module.url(forResource: "Catalog", withExtension: nil) }

    /// Loads every `*.json` file directly in `directory` (not `schema/`). A bad file is reported in
    /// `problems` and skipped; the other files still load.
    public static func load(directory: URL) -> Catalog {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            return Catalog(
                products: [],
                problems: [
                    VendorEvidenceError(
                        .unreadable, file: directory.path, message: "cannot list the catalog directory",
                        cause: error.localizedDescription)
                ])
        }
        var products: [Product] = []
        var problems: [VendorEvidenceError] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            do throws(VendorEvidenceError) {
                let data = try readBounded(directory.appendingPathComponent(name), limit: fileLimit, file: name)
                products.append(try decodeProduct(data, file: name))
            } catch {
                problems.append(error)
            }
        }
        var merged = Catalog(products: [], problems: problems)
        for p in products {
            do throws(VendorEvidenceError) { try merged.add(p) } catch { merged.problems.append(error) }
        }
        return merged
    }

    /// Decodes and checks one catalog file.
    public static func decodeProduct(_ data: Data, file: String) throws(VendorEvidenceError) -> Product {
        let raw = try decodeStrictly(ProductFile.self, from: data, file: file, kind: "a catalog file")
        let expected = "\(raw.id).json"
        if file.hasSuffix(".json"), (file as NSString).lastPathComponent != expected {
            throw VendorEvidenceError(
                .invalid, file: file, field: "id", message: "id \"\(raw.id)\" must match the file name (\(expected))")
        }
        var componentIDs = Set<String>()
        for (i, comp) in raw.components.enumerated() {
            guard componentIDs.insert(comp.id).inserted else {
                throw VendorEvidenceError(
                    .invalid, file: file, field: "components[\(i)].id", message: "duplicate component id \"\(comp.id)\"")
            }
        }
        let pid = ProductID(raw.id)
        var facts: [CriterionFact] = []
        for (i, f) in raw.facts.enumerated() {
            if let comp = f.component, !componentIDs.contains(comp) {
                throw VendorEvidenceError(
                    .invalid, file: file, field: "facts[\(i)].component",
                    message: "\"\(comp)\" is not one of this product's components (\(componentIDs.sorted().joined(separator: ", ")))")
            }
            if f.aspect == .memorySafeShare, f.component == nil {
                throw VendorEvidenceError(
                    .invalid, file: file, field: "facts[\(i)].component",
                    message: "a memorySafeShare fact must name the component it measured")
            }
            var isPercent = false
            if case .percent = f.value { isPercent = true }
            if f.aspect == .memorySafeShare, !isPercent, f.value != .unknown {
                throw VendorEvidenceError(
                    .invalid, file: file, field: "facts[\(i)].value",
                    message: "a memorySafeShare fact takes {\"percent\": n} or \"unknown\"")
            }
            let evidence = Evidence(
                claim: f.claim, source: f.source.evidenceSource, observedAt: f.observed, confidence: f.confidence)
            facts.append(
                CriterionFact(
                    product: pid, aspect: f.aspect, component: f.component, value: f.value, evidence: evidence,
                    origin: .catalog(file: file)))
        }
        return Product(
            id: pid, name: raw.name, vendor: raw.vendor, role: raw.role, summary: raw.summary, aliases: raw.aliases,
            components: raw.components, lifecycle: raw.lifecycle, facts: facts, file: file)
    }

    /// Adds a product; a second product with the same id is an error.
    public mutating func add(_ product: Product) throws(VendorEvidenceError) {
        if products.contains(where: { $0.id == product.id }) {
            throw VendorEvidenceError(
                .invalid, file: product.file, field: "id", message: "product id \"\(product.id)\" is already in the catalog")
        }
        products.append(product)
        products.sort { $0.id < $1.id }
    }

    /// Merges another catalog directory (`--catalog DIR`): its products are added, problems kept.
    public mutating func merge(_ other: Catalog) {
        problems.append(contentsOf: other.problems)
        for p in other.products {
            do throws(VendorEvidenceError) { try add(p) } catch { problems.append(error) }
        }
    }

    public func product(_ id: ProductID) -> Product? { products.first { $0.id == id } }

    /// The operating-system product whose `osReleaseIDs` holds this /etc/os-release `ID` (ISM-1743).
    public func operatingSystem(osReleaseID id: String) -> Product? {
        let id = id.lowercased()
        return products.first { $0.aliases.osReleaseIDs.contains(id) }
    }

    /// Finds a product by id, name, alias, binary or package name (case-insensitive).
    public func lookup(_ name: String) -> Product? {
        let n = name.lowercased()
        if let p = products.first(where: { $0.id.rawValue == n }) { return p }
        return products.first { p in
            p.name.lowercased() == n || p.aliases.names.contains { $0.lowercased() == n }
                || p.aliases.binaries.contains(n) || p.aliases.debianPackages.contains(n)
                || p.aliases.rpmPackages.contains(n)
        }
    }
}

/// A fact's criterion and aspect, refusing an aspect that belongs to another criterion (catalog and
/// evidence files share the rule).
func decodeAspect<K: CodingKey>(_ c: KeyedDecodingContainer<K>, criterion: K, aspect: K) throws -> (Criterion, Aspect) {
    let decodedCriterion = try c.decode(Criterion.self, forKey: criterion)
    let decodedAspect = try c.decode(Aspect.self, forKey: aspect)
    guard decodedAspect.criterion == decodedCriterion else {
        throw DecodingError.dataCorruptedError(
            forKey: aspect, in: c,
            debugDescription:
                "aspect \"\(decodedAspect.rawValue)\" belongs to criterion \"\(decodedAspect.criterion.rawValue)\", not \"\(decodedCriterion.rawValue)\""
        )
    }
    return (decodedCriterion, decodedAspect)
}

import Assessment
import BulkheadModel
import Foundation
import Testing
import VendorEvidence

@testable import Advisories

/// The catalog's aliases (the only alias source) map the real fixture records to the right products;
/// records that name no catalog product are still stored.
@Suite struct CatalogAliasTests {
    /// Every fixture record (by id) and the products the catalog aliases map it to. Records absent here
    /// must map to no product.
    static let expected: [String: Set<String>] = [
        // CVE 5
        "CVE-2018-19333": ["gvisor"],  // MITRE n/a/n/a; description "Google gVisor"; NVD google:gvisor
        "CVE-2019-18960": ["firecracker"],  // MITRE n/a/n/a; "Firecracker vsock"; NVD amazon:firecracker
        "CVE-2020-14364": ["qemu"],  // Red Hat n/a/QEMU; NVD qemu:qemu
        "CVE-2020-27174": ["firecracker"],  // MITRE n/a/n/a; "Amazon AWS Firecracker"
        "CVE-2020-28914": ["kata-containers"],  // MITRE n/a/n/a; NVD katacontainers:kata-containers
        "CVE-2021-3682": ["qemu"],
        "CVE-2023-21987": ["virtualbox"],  // Oracle Corporation / VM VirtualBox
        "CVE-2023-30612": ["cloud-hypervisor"],  // GitHub_M cloud-hypervisor; NVD cloudhypervisor:cloud_hypervisor
        "CVE-2024-21111": ["virtualbox"],  // NVD record "Received": no CPE, mapped by its description
        "CVE-2024-21626": ["runc"],  // CVE 5 opencontainers/runc, GHSA/Go github.com/opencontainers/runc
        "CVE-2024-22252": ["vmware-esxi"],  // VMware n/a / "VMware ESXi"; NVD vmware:esxi
        "CVE-2024-31143": ["xen"],  // XEN CNA Xen/Xen
        "CVE-2024-45817": ["xen"],
        "CVE-2024-7409": ["qemu"],  // Red Hat: RHEL products, packageName qemu-kvm
        "CVE-2025-22224": ["vmware-esxi"],  // VMware / ESXi
        "CVE-2025-22225": ["vmware-esxi"],  // n/a / VMware ESXi
        "CVE-2025-22226": ["vmware-esxi"],  // n/a / ESXi
        "CVE-2026-45782": ["cloud-hypervisor"],
        // Microsoft lists Windows editions as products; "Windows Hyper-V …" is in the description.
        "CVE-2024-21407": ["hyper-v"], "CVE-2025-21333": ["hyper-v"],
        // NVD test envelope: the Linux kernel CPE names KVM's code, FreeBSD's names bhyve's.
        "CVE-2003-0001": ["kvm", "bhyve"],
        // OSV
        "GHSA-8vxc-r5wp-vgvc": ["firecracker"],  // crates.io versionize (a Firecracker crate)
        "RUSTSEC-2023-0030": ["firecracker"],
        "GHSA-xr7r-f8xq-vfvv": ["runc"],
        "GO-2021-0070": ["runc"], "GO-2021-0085": ["runc"], "GO-2021-0087": ["runc"], "GO-2022-0274": ["runc"],
        "GO-2022-0396": ["runc"], "GO-2022-0452": ["runc"], "GO-2022-0835": ["runc"], "GO-2022-0914": ["runc"],
        "GO-2023-1627": ["runc"], "GO-2023-1682": ["runc"], "GO-2023-1683": ["runc"], "GO-2024-2491": ["runc"],
        "GO-2024-3110": ["runc"], "GO-2025-3543": ["runc"], "GO-2025-4096": ["runc"], "GO-2025-4097": ["runc"],
        "GO-2025-4098": ["runc"], "GO-2026-5761": ["runc"],
        "GO-2026-4517": ["kata-containers"],  // github.com/kata-containers/kata-containers/src/runtime
        "GO-2026-5042": ["kata-containers"], "GO-2026-5563": ["kata-containers"], "GO-2026-5638": ["kata-containers"],
    ]

    /// Records that name no catalog product: rust-vmm crates (they reach a VMM only through its
    /// dependency versions), unrelated NVD records.
    static let unmapped: [(String, AdvisoryFormat)] = [
        ("CVE-2023-41051", .cve5), ("GHSA-49hh-fprx-m68g", .osv), ("RUSTSEC-2020-0157", .osv), ("RUSTSEC-2024-0428", .osv),
        ("GHSA-875g-mfp6-g7f9", .osv), ("CVE-2005-4895", .nvd),
        ("CVE-2005-4900", .nvd),
    ]

    func importedFixtures() async throws -> (AdvisoryDatabase, String) {
        let dir = try Fixture.tempDir()
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        let report = try await AdvisoryImporter.run(["cve5", "osv", "nvd2", "kev"].map(Fixture.path), into: db)
        #expect(report.problems.isEmpty, "\(report.problems)")
        return (db, dir)
    }

    @Test func catalogAliasesMapEveryFixtureRecordToTheRightProducts() async throws {
        let (db, dir) = try await importedFixtures()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var mapped: [String: Set<String>] = [:]
        for aliases in AdvisoryAliases.all(Fixture.catalog) {
            for a in try db.candidates(for: aliases) where ProductMatcher.match(a, aliases, installed: nil) != nil {
                mapped[a.id, default: []].insert(aliases.product.rawValue)
            }
        }
        for (id, products) in Self.expected {
            #expect(mapped[id] == products, "\(id): mapped to \(mapped[id] ?? []), expected \(products)")
        }
        for (id, products) in mapped where Self.expected[id] == nil {
            Issue.record("\(id) maps to \(products) but should map to no product")
        }
        #expect(try db.counts().advisories == 21 + 31 + 9 + 3)
    }

    /// `ProductMatcher.maps` (what the statistics ask of each of a product's records) answers as `match(…,
    /// installed: nil) != nil`, and a match's `mappedBy` is the `matches` sentence of the first entry naming the
    /// product (the sentence is now written for that entry only): over every fixture record and catalog product.
    @Test func mapsAnswersAsMatchAndMappedByIsTheFirstNamingEntrys() async throws {
        let (db, dir) = try await importedFixtures()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = AdvisoryAliases.all(Fixture.catalog)
        var records: [Advisory] = []
        for aliases in all { records += try db.candidates(for: aliases) }
        #expect(records.count >= 50)
        var mappedCount = 0
        for a in records {
            for p in all {
                let m = ProductMatcher.match(a, p, installed: nil)
                #expect(ProductMatcher.maps(a, p) == (m != nil), "\(a.id) \(p.product)")
                guard let m else { continue }
                mappedCount += 1
                let first = a.affected.lazy.compactMap { p.matches($0) }.first
                #expect(m.mappedBy == first ?? p.vendorKeywordEntries(a)?.why ?? p.descriptionMatch(a), "\(a.id) \(p.product)")
                let versioned = ProductMatcher.match(a, p, installed: "1.0")
                #expect(versioned?.mappedBy == m.mappedBy)
            }
        }
        #expect(mappedCount > 40)
    }

    @Test func recordsNamingNoProductAreKept() async throws {
        let (db, dir) = try await importedFixtures()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = AdvisoryAliases.all(Fixture.catalog)
        for (id, format) in Self.unmapped {
            let a = try #require(try db.advisory(id: id, format: format), "\(id) was not stored")
            #expect(all.allSatisfy { ProductMatcher.match(a, $0, installed: nil) == nil }, "\(id) maps to a product")
        }
    }

    @Test func everyCatalogProductIsNamedForAdvisories() {
        // Each product can be found in advisory data by at least one naming system, and every product
        // that exists as named CVE 5 records carries its CNA strings.
        let all = AdvisoryAliases.all(Fixture.catalog)
        // The host-OS entries (ISM-1743) carry no advisory names: NVD lists distributions as affected platforms
        // of other products' CVEs (CVE-2020-14364 names debian_linux and enterprise_linux), which would map QEMU's
        // records to them.
        let unnamed = Fixture.catalog.products.map(\.id).filter { id in !all.contains { $0.product == id } }
        #expect(unnamed == ["debian", "linux-kernel", "rhel", "sles", "ubuntu"])
        #expect(Fixture.catalog.products.filter { unnamed.contains($0.id) }.allSatisfy { $0.role == .hostOperatingSystem })
        for p in all {
            #expect(
                !p.cve5.isEmpty || !p.cpe.isEmpty || !p.packages.isEmpty || !p.vendorKeywords.isEmpty,
                "\(p.product) has no CPE, CVE 5, OSV or vendor+keyword name")
        }
        let qemu = all.first { $0.product == "qemu" }
        #expect(qemu?.cve5.contains(.init("n/a", "QEMU")) == true)
        #expect(qemu?.descriptionKeywords == ["QEMU"])
        #expect(all.first { $0.product == "runc" }?.packages.contains(.init("Go", "github.com/opencontainers/runc")) == true)
    }

    @Test func productLookupByIdNameOrPackage() throws {
        #expect(AdvisoryAliases.lookup("qemu", in: Fixture.catalog)?.product == "qemu")
        #expect(AdvisoryAliases.lookup("Cloud Hypervisor", in: Fixture.catalog)?.product == "cloud-hypervisor")
        #expect(AdvisoryAliases.lookup("qemu-system-x86", in: Fixture.catalog)?.product == "qemu")
        #expect(AdvisoryAliases.lookup("runsc", in: Fixture.catalog)?.product == "gvisor")
        #expect(AdvisoryAliases.lookup("no-such-product", in: Fixture.catalog) == nil)
    }

    @Test func descriptionKeywordsDecodeAndAnEmptyOneIsRejected() throws {
        func product(_ keywords: String) -> Data {
            Data(
                """
                {"schemaVersion": 1, "id": "demo", "name": "Demo", "vendor": "Demo", "role": "vmm", "summary": "A demo VMM.",
                 "aliases": {"cpe": ["demo:demo"], "descriptionKeywords": \(keywords)},
                 "components": [{"id": "vmm", "name": "Demo VMM", "languages": ["C"], "layer": "mechanism", "isolationCritical": true}],
                 "facts": []}
                """.utf8)
        }
        let ok = try Catalog.decodeProduct(product(#"["Demo VMM"]"#), file: "demo.json")
        #expect(AdvisoryAliases.aliases(for: ok).descriptionKeywords == ["Demo VMM"])
        #expect(AdvisoryAliases.aliases(for: ok).cpe == [.init("demo", "demo")])
        do {
            _ = try Catalog.decodeProduct(product(#"["QEMU", " "]"#), file: "demo.json")
            Issue.record("an empty description keyword was accepted")
        } catch {
            #expect("\(error)".contains("descriptionKeywords"), "\(error)")
        }
    }
}

@Suite struct VendorKeywordTests {
    static let hyperV = Advisories.ProductAliases(product: "hyper-v", vendorKeywords: [.init("Microsoft", "Hyper-V")])

    @Test func microsoftRecordNamingHyperVInItsDescriptionMaps() throws {
        let a = try Fixture.advisory("cve5/CVE-2024-21407.json")
        let m = try #require(ProductMatcher.match(a, Self.hyperV, installed: nil))
        #expect(m.mappedBy.contains("Hyper-V"))
    }

    @Test func otherVendorsOrOtherWordsDoNotMap() throws {
        var a = try Fixture.advisory("cve5/CVE-2024-21407.json")
        a.summary = "Windows Hyper-Visor Remote Code Execution Vulnerability"  // not the whole word
        #expect(ProductMatcher.match(a, Self.hyperV, installed: nil) == nil)
        var b = try Fixture.advisory("cve5/CVE-2024-21407.json")
        for i in b.affected.indices {
            b.affected[i].vendor = "Contoso"
            b.affected[i].cpeVendor = "contoso"
        }
        #expect(ProductMatcher.match(b, Self.hyperV, installed: nil) == nil)
        // A Microsoft record about something else.
        let c = try Fixture.advisory("cve5/CVE-2024-21407.json")
        var other = c
        other.summary = "Windows Kernel Elevation of Privilege Vulnerability"
        #expect(ProductMatcher.match(other, Self.hyperV, installed: nil) == nil)
    }
}

@Suite struct NameNormalisationTests {
    @Test(arguments: [
        ("qemu", "qemu"), (" QEMU\n", "qemu"), ("\tLinux ", "linux"), ("n/a", "n/a"), ("", ""), ("   ", ""),
        ("VMware ESXi", "vmware esxi"), (" Ünïcode Vendor ", "ünïcode vendor"),
    ])
    func norm(_ input: String, _ expected: String) {
        #expect(Advisories.ProductAliases.norm(input) == expected)
    }
}

public import BulkheadModel
import Foundation
import HostInspection

/// What `bulkhead lab run` was asked to do.
public struct LabOptions: Sendable, Hashable {
    public var mechanism: LabMechanism
    /// Launch configurations to run, in order (see `LabVariant.known(for:)`).
    public var variants: [String] = ["baseline"]
    /// Scenario ids to evaluate; empty means all.
    public var scenarios: [String] = []
    public var accelerator: Accelerator = .auto
    /// Overrides each mechanism's default timeout.
    public var timeout: Duration?
    /// How long the KVM trial (accelerator `auto`) waits for the guest kernel's first serial byte before
    /// falling back to TCG.
    public var kvmTrialTimeout: Duration = .milliseconds(800)
    /// Where the KVM trial's verdict is kept for later runs in the same boot (`KVMTrialCache`); nil: always try.
    public var kvmTrialCache: String? = KernelImage.cacheDirectory().path
    /// Move the temporary directory here instead of deleting it.
    public var keepArtifacts: String?
    public var probePath: String?
    public var kernelPath: String?
    /// Bound on the mechanism's console/stdout.
    public var outputLimit: Int = 2 << 20

    public init(mechanism: LabMechanism) { self.mechanism = mechanism }
}

public enum LabRunner {
    /// Runs every requested variant of the mechanism and returns the report. Throws only for a run that
    /// cannot be set up (missing program, kernel, probe, bad names); a guest that misbehaves gives an
    /// inconclusive run, not an error.
    public static func run(_ options: LabOptions) async throws(LabError) -> LabReport {
        let started = Date()
        let scenarios = try Scenarios.named(options.scenarios)
        let known = LabVariant.known(for: options.mechanism).map(\.name)
        for v in options.variants where !known.contains(v) {
            throw LabError(
                .invalidArgument,
                "unknown variant \(v) for \(options.mechanism.rawValue); known: \(known.joined(separator: ", "))")
        }
        let probe = try LabTools.probe(explicit: options.probePath)
        let bzImage = options.mechanism == .qemu ? try LabTools.kernel(explicit: options.kernelPath) : ""
        // Under TCG, decompressing the bzImage dominates the boot: boot the extracted PVH kernel instead.
        var kernel = bzImage
        var kernelNote: String?
        if options.mechanism == .qemu {
            switch await KernelImage.uncompressed(bzImage) {
            case .success(let path):
                kernel = path
                kernelNote = "kernel: the uncompressed PVH image of \(bzImage) (cached at \(path))"
            case .failure(let why):
                kernelNote = "kernel: \(bzImage) booted compressed (\(why.message))"
            }
        }
        let hostNS = hostNamespaces()
        var runs: [LabRun] = []
        var kept: String?
        var kvmVerdict: (usable: Bool, note: String)?
        for variant in options.variants {
            var accel = "tcg"
            var accelNote: String?
            if options.mechanism == .qemu {
                switch options.accelerator {
                case .tcg: accel = "tcg"
                case .kvm: accel = "kvm"
                case .auto:
                    if kvmVerdict == nil {
                        kvmVerdict = await kvmDecision(options: options, kernel: kernel)
                    }
                    accel = kvmVerdict?.usable == true ? "kvm" : "tcg"
                    accelNote = kvmVerdict?.note
                }
            }
            var run = try await runOnce(
                options: options, variant: variant, accelerator: accel, probe: probe, kernel: kernel, hostNS: hostNS,
                scenarios: scenarios)
            run.acceleratorNote = accelNote
            if let kernelNote { run.launchNote = [run.launchNote, kernelNote].compactMap { $0 }.joined(separator: "; ") }
            if options.keepArtifacts != nil { kept = options.keepArtifacts }
            runs.append(run)
        }
        return LabReport(
            startedAt: started, host: ProcessInfo.processInfo.hostName, runs: runs, artifactsDirectory: kept)
    }

    /// The host's own namespace ids: /proc/1/ns (init's), or — where init's links cannot be read (a
    /// hardened pid 1, as in some microVMs) — /proc/self/ns of this process, which runs on the host.
    static func hostNamespaces() -> [String: String] {
        let root = DirectoryHostRoot.live
        var ns: [String: String] = [:]
        for name in ["pid", "net", "mnt", "ipc", "uts", "user", "cgroup"] {
            for pid in ["1", "self"] {
                let path = "/proc/\(pid)/ns/" + name
                if let target = try? root.readLink(path) {
                    ns[name] = target
                } else if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                    ns[name] = target
                }
                if ns[name] != nil { break }
            }
        }
        return ns
    }

    /// What `kvmWorks` decided: whether KVM is used, in words for the report, and whether a trial boot decided it
    /// (only then is the verdict worth keeping: a missing /dev/kvm or qemu is checked again at no cost).
    struct KVMOutcome: Sendable, Equatable {
        let usable: Bool
        let note: String
        let decidedByTrial: Bool
    }

    /// The KVM trial's verdict, from `KVMTrialCache` when this boot, `/dev/kvm` and QEMU already had one
    /// (then the note says when it was decided), else from a new trial, whose verdict is kept.
    static func kvmDecision(options: LabOptions, kernel: String, now: Date = Date()) async -> (Bool, String) {
        guard let directory = options.kvmTrialCache, let qemu = LabTools.find("qemu-system-x86_64"),
            let key = KVMTrialCache.Key.current(qemu: qemu)
        else {
            let outcome = await kvmWorks(options: options, kernel: kernel)
            return (outcome.usable, outcome.note)
        }
        let cache = KVMTrialCache(directory: URL(fileURLWithPath: directory))
        if let entry = cache.load(for: key, now: now) {
            let when = ISO8601DateFormatter.string(from: entry.decidedAt, timeZone: .gmt, formatOptions: [.withInternetDateTime])
            return (entry.usable, "\(entry.note) (trial of \(when), this boot; kept in \(cache.path))")
        }
        let outcome = await kvmWorks(options: options, kernel: kernel)
        if outcome.decidedByTrial {
            cache.save(KVMTrialCache.Entry(key: key, usable: outcome.usable, note: outcome.note, decidedAt: now))
        }
        return (outcome.usable, outcome.note)
    }

    /// Whether KVM runs guest code here, decided in under a second: the lab kernel started under KVM with early
    /// serial output must print its first byte within `kvmTrialTimeout` (under KVM it does in about 0.1 s; a
    /// nested KVM that cannot run guests, as on this project's CI machines, prints nothing and would hang a full
    /// boot). KVM is used only when that byte came.
    static func kvmWorks(options: LabOptions, kernel: String) async -> KVMOutcome {
        guard FileManager.default.isWritableFile(atPath: "/dev/kvm") else {
            return KVMOutcome(usable: false, note: "/dev/kvm is absent or not writable; TCG used", decidedByTrial: false)
        }
        guard let qemu = try? LabTools.require("qemu-system-x86_64", package: "qemu-system-x86") else {
            return KVMOutcome(usable: false, note: "qemu-system-x86_64 is not installed; TCG used", decidedByTrial: false)
        }
        let milliseconds = Int((options.kvmTrialTimeout.seconds * 1000).rounded())
        guard let trial = await serialTrial(qemu: qemu, accelerator: "kvm", kernel: kernel, timeout: options.kvmTrialTimeout) else {
            return KVMOutcome(usable: false, note: "the KVM trial could not be started; TCG used", decidedByTrial: false)
        }
        let seconds = String(format: "%.2f", (trial.ended - trial.started).seconds)
        if trial.outputTruncated {
            return KVMOutcome(
                usable: true, note: "KVM trial: the guest kernel printed on its serial console after \(seconds) s under KVM; KVM used",
                decidedByTrial: true)
        }
        if trial.timedOut {
            return KVMOutcome(
                usable: false,
                note:
                    "KVM trial: no serial output from the guest kernel within \(milliseconds) ms under KVM (KVM cannot run guests here, e.g. nested); TCG used",
                decidedByTrial: true)
        }
        let said = String(decoding: trial.stderr, as: UTF8.self).split(separator: "\n").last.map { "; qemu said: \($0)" } ?? ""
        return KVMOutcome(
            usable: false,
            note: "KVM trial: qemu ended (\(trial.exitStatus.map { "status \($0)" } ?? "by a signal")) before the guest printed\(said); TCG used",
            decidedByTrial: true)
    }

    /// Starts `kernel` under `accelerator` with early serial output and stops it at its first byte (then
    /// `outputTruncated` is true) or at `timeout`; nil when qemu could not be started.
    static func serialTrial(qemu: String, accelerator: String, kernel: String, timeout: Duration) async -> BoundedRun? {
        let cpu = accelerator == "kvm" ? "host,-vmx,-svm" : "qemu64,-svm,-vmx"
        let argv = [
            qemu, "-accel", accelerator, "-machine", "q35", "-nodefaults", "-cpu", cpu, "-m", "128", "-smp", "1", "-display", "none",
            "-serial", "stdio", "-monitor", "none", "-no-reboot", "-kernel", kernel, "-append",
            "console=ttyS0 earlyprintk=serial,ttyS0 panic=-1",
        ]
        return try? await BoundedProcess.run(argv, timeout: timeout, outputLimit: 1)
    }

    static func runOnce(
        options: LabOptions, variant: String, accelerator: String, probe: String, kernel: String,
        hostNS: [String: String], scenarios: [Scenario]
    ) async throws(LabError) -> LabRun {
        let clock = ContinuousClock()
        let t0 = clock.now
        let ws = try LabWorkspace(keepIn: options.keepArtifacts)
        let launch: Launch
        do {
            switch options.mechanism {
            case .qemu:
                launch = try await Launchers.qemu(
                    variant: variant, accelerator: accelerator, probe: probe, kernel: kernel, ws: ws,
                    timeout: options.timeout)
            case .runsc: launch = try await Launchers.runsc(variant: variant, probe: probe, ws: ws, timeout: options.timeout)
            case .bwrap: launch = try await Launchers.bwrap(variant: variant, probe: probe, ws: ws, timeout: options.timeout)
            case .crun: launch = try await Launchers.crun(variant: variant, probe: probe, ws: ws, timeout: options.timeout)
            }
        } catch {
            ws.close()
            throw error
        }
        let built = clock.now
        let begin = Launchers.beginMarker(launch.marker)
        let end = Launchers.endMarker(launch.marker)
        let result: BoundedRun
        do {
            result = try await BoundedProcess.run(
                launch.argv, timeout: launch.timeout, outputLimit: options.outputLimit, watch: [begin, end],
                currentDirectory: launch.currentDirectory)
        } catch {
            ws.close()
            throw error
        }
        for command in launch.cleanup {
            _ = try? await BoundedProcess.run(command, timeout: .seconds(20), outputLimit: 64 * 1024)
        }
        let stragglers = ws.close()

        var timings = LabTimings()
        timings.build = (built - t0).seconds
        if let b = result.marks[begin] {
            timings.boot = (b - result.started).seconds
            if let e = result.marks[end] {
                timings.probe = (e - b).seconds
                timings.shutdown = (result.ended - e).seconds
            }
        } else {
            timings.boot = (result.ended - result.started).seconds
        }
        timings.total = (clock.now - t0).seconds

        var reason: String?
        var probeReport: ObservedProbe?
        var raw: String?
        if result.timedOut && result.marks[end] == nil {
            reason = "\(options.mechanism.rawValue) did not finish within \(Int(launch.timeout.seconds)) s and was killed"
        } else if result.outputTruncated {
            reason = "output passed the \(options.outputLimit)-byte bound; the mechanism was killed"
        }
        if reason == nil {
            switch ProbeOutputParser.extract(result.stdout, begin: begin, end: end) {
            case .success(let (decoded, text)):
                probeReport = decoded
                raw = text
            case .failure(let error):
                reason = error.message
            }
        }
        var diagnostics = String(decoding: result.stderr.suffix(4096), as: UTF8.self)
        if !stragglers.isEmpty { diagnostics += "\nkilled leftover processes: \(stragglers)" }

        let expected: Set<String> =
            options.mechanism == .qemu ? [accelerator == "kvm" ? "kvm" : "qemu-tcg"] : options.mechanism.expectedIdentification
        let context = HostContext(hostNamespaces: hostNS, expectedIdentification: expected, canaryText: launch.canaryText)
        let results: [ScenarioResult] =
            if let probeReport {
                scenarios.map { $0.evaluate(probeReport, options.mechanism, context) }
            } else {
                scenarios.map { $0.inconclusive(reason ?? "no probe output", for: options.mechanism) }
            }
        return LabRun(
            mechanism: options.mechanism, variant: variant, command: launch.argv, accelerator: launch.accelerator,
            acceleratorNote: nil, launchNote: launch.note, exitStatus: result.exitStatus, timedOut: result.timedOut, inconclusiveReason: reason,
            identified: probeReport?.identification?.mechanism, rawProbeOutput: raw,
            diagnostics: diagnostics.isEmpty ? nil : diagnostics, scenarios: results, timings: timings)
    }
}

extension LabRunner {
    /// What `assess --lab` gets: a report for each product the lab can exercise (baseline variant), and
    /// the products whose run could not be set up, with why. Products the lab has no mechanism for are skipped.
    public static func run(exercising products: [ProductID]) async -> (reports: [LabReport], failures: [(product: ProductID, error: LabError)]) {
        var reports: [LabReport] = []
        var failures: [(product: ProductID, error: LabError)] = []
        for product in products {
            guard let mechanism = LabMechanism(exercising: product) else { continue }
            do {
                reports.append(try await run(LabOptions(mechanism: mechanism)))
            } catch {
                failures.append((product, error))
            }
        }
        return (reports, failures)
    }
}

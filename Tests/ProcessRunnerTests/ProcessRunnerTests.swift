import Foundation
import Testing

@testable import ProcessRunner

/// Real programs from coreutils (always on Debian); python3 only where a program must ignore SIGTERM.
let sleepPath = ProcessRunner.find("sleep")
let python3 = ProcessRunner.find("python3")

@Suite struct ProcessRunnerTests {
    @Test func argumentsArePassedAsTheyAreNeverThroughAShell() async throws {
        let printf = try #require(ProcessRunner.find("printf"))
        let words = ["a b", "$HOME", "; rm -rf /", "`id`", "*", "'\"", ""]
        let outcome = try await ProcessRunner.run(ProcessRequest([printf, "[%s]"] + words)).checked()
        #expect(outcome.stdoutText == words.map { "[\($0)]" }.joined())
        #expect(outcome.termination == .exited(0))
    }

    @Test(.enabled(if: sleepPath != nil, "needs sleep (coreutils)"))
    func aTimeOutEndsTheChildWithSIGTERMNotSIGKILL() async throws {
        let outcome = try await ProcessRunner.run(
            ProcessRequest([try #require(sleepPath), "60"], timeout: .milliseconds(300), grace: .seconds(10)))
        // Start to exit as the supervisor saw them (the test's own wall clock also counts the time this test
        // waits for a thread of the shared pool, seconds when the whole suite runs in parallel).
        let took = outcome.ended - outcome.started
        #expect(outcome.timedOut)
        // SIGTERM works in the child: it ended at once, long before the 10 s grace would have sent SIGKILL.
        #expect(outcome.termination == .signalled(SIGTERM), "\(outcome.termination)")
        #expect(took < .seconds(5), "\(took)")
        #expect(outcome.exitStatus == nil)
        #expect(throws: ProcessRunnerError.self) { try outcome.checked() }
        do { _ = try outcome.checked() } catch { #expect(error.code == .timedOut) }
    }

    @Test(.enabled(if: python3 != nil, "needs python3 for a program that ignores SIGTERM"))
    func aChildThatIgnoresSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let script = "import signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\ntime.sleep(60)\n"
        let outcome = try await ProcessRunner.run(
            ProcessRequest([try #require(python3), "-c", script], timeout: .seconds(2), grace: .milliseconds(500), watch: ["ready"]))
        let took = outcome.ended - outcome.started
        #expect(outcome.marks["ready"] != nil, "the script never started: \(outcome.stderrText)")
        #expect(outcome.timedOut)
        #expect(outcome.termination == .signalled(SIGKILL), "\(outcome.termination)")
        #expect(took >= .milliseconds(2400) && took < .seconds(10), "\(took)")
    }

    @Test(.enabled(if: python3 != nil, "needs python3 for a program that closes its outputs and runs on"))
    func aChildThatClosesItsOutputsIsStillUnderItsTimeBound() async throws {
        let script = "import os, time\nos.close(1)\nos.close(2)\ntime.sleep(60)\n"
        let outcome = try await ProcessRunner.run(ProcessRequest([try #require(python3), "-c", script], timeout: .milliseconds(500)))
        #expect(outcome.timedOut)
        #expect(outcome.termination == .signalled(SIGTERM), "\(outcome.termination)")
        #expect(outcome.ended - outcome.started < .seconds(10))
    }

    @Test func theChildStartsWithNoBlockedAndNoIgnoredSignals() async throws {
        // The threads of Swift's pool — where the child is started from — block SIGTERM (libdispatch
        // blocks most signals in its workers), which is how Foundation's Process children came to ignore it.
        let here = try String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8)
        let hereBlocked = here.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }.flatMap {
            UInt64($0.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        }
        #expect(hereBlocked.map { $0 & (1 << UInt64(SIGTERM - 1)) != 0 } == true, "this thread's SigBlk: \(String(describing: hereBlocked))")
        let cat = try #require(ProcessRunner.find("cat"))
        let outcome = try await ProcessRunner.run(ProcessRequest([cat, "/proc/self/status"])).checked()
        let fields = Dictionary(
            outcome.stdoutText.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: ":", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), parts[1].trimmingCharacters(in: .whitespaces)) : nil
            }, uniquingKeysWith: { first, _ in first })
        // Signals 1–31 (SIGTERM, SIGINT, SIGHUP, SIGPIPE, …): none blocked, none ignored. Signals 32 and 33
        // are glibc's own (thread cancellation, set*id) and out of a program's reach.
        let standard: UInt64 = (1 << 31) - 1
        let blocked = try #require(UInt64(fields["SigBlk"] ?? "", radix: 16), "\(outcome.stdoutText)")
        let ignored = try #require(UInt64(fields["SigIgn"] ?? "", radix: 16), "\(outcome.stdoutText)")
        #expect(blocked & standard == 0, "SigBlk \(String(blocked, radix: 16))")
        #expect(ignored & standard == 0, "SigIgn \(String(ignored, radix: 16))")
    }

    @Test func outputPastAStoppingBoundStopsTheProgramAndKeepsExactlyTheBound() async throws {
        let yes = try #require(ProcessRunner.find("yes"))
        let outcome = try await ProcessRunner.run(ProcessRequest([yes], output: .capture(limit: 64 << 10), timeout: .seconds(30)))
        #expect(outcome.stoppedAtOutputCap)
        #expect(!outcome.timedOut)
        #expect(outcome.stdout.count == 64 << 10)
        #expect(outcome.stdoutTruncated)
        do {
            _ = try outcome.checked()
            Issue.record("accepted output over its bound")
        } catch {
            #expect(error.code == .outputOverCap)
        }
    }

    @Test func aTruncatingBoundDropsTheRestAndLetsTheProgramFinish() async throws {
        let seq = try #require(ProcessRunner.find("seq"))
        let outcome = try await ProcessRunner.run(ProcessRequest([seq, "1", "200000"], output: .capture(limit: 100, stopAtLimit: false)))
        #expect(outcome.termination == .exited(0))
        #expect(outcome.stdout.count == 100)
        #expect(outcome.stdoutTruncated && !outcome.stoppedAtOutputCap)
        #expect(outcome.stdoutBytes > 1_000_000)
        #expect(outcome.stdoutText.hasPrefix("1\n2\n3\n"))
    }

    @Test func aFileDestinationIsBoundedToo() async throws {
        let yes = try #require(ProcessRunner.find("yes"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try await ProcessRunner.run(ProcessRequest([yes, "x"], output: .file(dir + "/out", limit: 1 << 20), timeout: .seconds(30)))
        #expect(outcome.stoppedAtOutputCap)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/out")
        #expect((attributes[.size] as? NSNumber)?.intValue == 1 << 20)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // Never written through a link.
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/victim")
        await #expect(throws: ProcessRunnerError.self) {
            _ = try await ProcessRunner.run(ProcessRequest([yes], output: .file(dir + "/link", limit: 10)))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/victim"))
    }

    @Test func missingAndRelativeProgramsAreClearErrors() async {
        do {
            _ = try await ProcessRunner.run(ProcessRequest(["/nonexistent/bulkhead-no-such-program", "--version"]))
            Issue.record("ran a missing program")
        } catch {
            #expect(error.code == .programNotFound)
            #expect(error.message.contains("/nonexistent/bulkhead-no-such-program"))
        }
        do {
            _ = try await ProcessRunner.run(ProcessRequest(["sleep", "1"]))
            Issue.record("looked a relative name up")
        } catch {
            #expect(error.code == .invalidArgument)
        }
        do {
            _ = try await ProcessRunner.run(ProcessRequest([]))
            Issue.record("ran an empty command")
        } catch {
            #expect(error.code == .invalidArgument)
        }
    }

    @Test func aFailingStatusIsInTheOutcomeAndCheckedSaysWhy() async throws {
        let ls = try #require(ProcessRunner.find("ls"))
        let outcome = try await ProcessRunner.run(ProcessRequest([ls, "/nonexistent-bulkhead-path"]))
        #expect(outcome.exitStatus == 2)
        do {
            _ = try outcome.checked()
            Issue.record("accepted exit status 2")
        } catch {
            #expect(error.code == .failed)
            #expect(error.description.contains("exit status 2"))
            #expect(error.description.contains("No such file"))
        }
        #expect(throws: Never.self) { try outcome.checked(accepting: [2]) }
    }

    @Test func standardInputFromAFileAndAnExactEnvironment() async throws {
        let cat = try #require(ProcessRunner.find("cat"))
        let env = try #require(ProcessRunner.find("env"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("runner-in-\(UUID().uuidString)").path
        try Data("line one\nline two\n".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let copied = try await ProcessRunner.run(ProcessRequest([cat], input: .file(file))).checked()
        #expect(copied.stdoutText == "line one\nline two\n")
        let fromNull = try await ProcessRunner.run(ProcessRequest([cat])).checked()
        #expect(fromNull.stdout.isEmpty)
        let exact = try await ProcessRunner.run(ProcessRequest([env], environment: .exactly(["ONLY": "this"]))).checked()
        #expect(exact.stdoutText == "ONLY=this\n")
        let updated = try await ProcessRunner.run(ProcessRequest([env], environment: .inheritUpdating(["BULKHEAD_TEST_VAR": "1"]))).checked()
        #expect(updated.stdoutText.contains("BULKHEAD_TEST_VAR=1\n"))
        #expect(updated.stdoutText.contains("PATH="))
        let pwd = try #require(ProcessRunner.find("pwd"))
        let inTmp = try await ProcessRunner.run(ProcessRequest([pwd], workingDirectory: "/tmp")).checked()
        #expect(inTmp.stdoutText == "/tmp\n")
    }

    @Test func watchedStringsAreTimed() async throws {
        let printf = try #require(ProcessRunner.find("printf"))
        let outcome = try await ProcessRunner.run(
            ProcessRequest([printf, "boot\n@@BEGIN@@\nprobe\n@@END@@\n"], watch: ["@@BEGIN@@", "@@END@@", "absent"]))
        let begin = try #require(outcome.marks["@@BEGIN@@"])
        let end = try #require(outcome.marks["@@END@@"])
        #expect(begin <= end && outcome.started <= begin && end <= outcome.ended)
        #expect(outcome.marks["absent"] == nil)
    }

    @Test(.enabled(if: sleepPath != nil, "needs sleep (coreutils)"))
    func cancellingTheCallerStopsTheChild() async throws {
        let sleep = try #require(sleepPath)
        // swift-subprocess's teardown (SIGTERM, then SIGKILL after the grace period) runs on the shared pool,
        // late by however long that pool is busy; a grace of two minutes leaves SIGTERM to do the work.
        let task = Task { try await ProcessRunner.run(ProcessRequest([sleep, "600"], grace: .seconds(120))) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let outcome = try await task.value
        #expect(outcome.termination == .signalled(SIGTERM), "\(outcome.termination)")
        #expect(!outcome.timedOut)
    }
}

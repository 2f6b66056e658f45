import FleetServer

/// The estate at scale without 100,000 uploads: hosts `scale-host-FROM` … `scale-host-(TO-1)`, each with `runs`
/// assessments a day apart, cloned in SQL from the first ingested assessment (its stored report, manifest,
/// verdict rows and finding rows) and varied per host by a hash of its name: each host runs about two thirds of
/// the report's products, a quarter of them at another version; one verdict in ten is notSatisfied instead and
/// one check in five has the other verdict; QEMU hosts have 0–200 guests, each with a `qemu.sandbox` finding
/// (failing on one guest in four). The stored report is the ingested one, copied as PostgreSQL stored it; each
/// run's estate summary (migration 6) is computed from its cloned rows and the host's pointer (and its failing checks,
/// migration 8) set to its last run.
/// Benchmark-only SQL on the benchmark's own database (the numbers are the benchmark's, not input).
enum EstateClone {
    static func statements(from: Int, to: Int, runs: Int) -> String {
        """
        BEGIN;
        INSERT INTO hosts (name, key_id, enrolled_at, last_seen_at)
        SELECT format('scale-host-%s', lpad(g::text, 5, '0')), 'bench-clone', now(), now() FROM generate_series(\(from), \(to - 1)) g;
        CREATE TEMP TABLE new_runs ON COMMIT DROP AS
        SELECT h.id AS host_id, h.name, abs(hashtext(h.name)::bigint) AS hh, r,
            nextval('assessments_id_seq') AS aid,
            now() - make_interval(days => \(runs - 1) - r, secs => abs(hashtext(h.name)) % 3600) AS at
        FROM hosts h CROSS JOIN generate_series(0, \(runs - 1)) r
        WHERE h.name LIKE 'scale-host-%' AND substr(h.name, 12)::int BETWEEN \(from) AND \(to - 1);
        CREATE TEMP TABLE base ON COMMIT DROP AS SELECT min(id) AS id FROM assessments WHERE host_id IN (SELECT id FROM hosts WHERE name LIKE 'bench-host-%');
        INSERT INTO assessments (id, host_id, bundle_sha256, assessed_at, reported_hostname, bulkhead_version, manifest, document)
        SELECT n.aid, n.host_id, md5(n.name || '/' || n.r) || md5(n.r || '/' || n.name), n.at, n.name, a.bulkhead_version, a.manifest, a.document
        FROM new_runs n CROSS JOIN base JOIN assessments a ON a.id = base.id;
        INSERT INTO control_verdicts (assessment_id, host_id, assessed_at, subject, product, product_version, control, status, gate, gate_failing)
        SELECT n.aid, n.host_id, n.at, cv.subject, cv.product,
            CASE WHEN (n.hh + abs(hashtext(coalesce(cv.product, '')))) % 4 = 0 THEN cv.product_version || '+bench1' ELSE cv.product_version END,
            cv.control,
            CASE WHEN (n.hh + n.r + abs(hashtext(cv.control || cv.subject))) % 10 = 0 THEN 'notSatisfied' ELSE cv.status END,
            cv.gate, cv.gate_failing
        FROM new_runs n CROSS JOIN base JOIN control_verdicts cv ON cv.assessment_id = base.id
        WHERE cv.product IS NULL OR (n.hh + abs(hashtext(cv.product))) % 3 <> 0;
        INSERT INTO findings (assessment_id, host_id, assessed_at, check_id, severity, verdict, subject, product, controls)
        SELECT n.aid, n.host_id, n.at, f.check_id, f.severity,
            CASE WHEN (n.hh + n.r + abs(hashtext(f.check_id || f.subject))) % 5 = 0
                THEN (CASE f.verdict WHEN 'fail' THEN 'pass' ELSE 'fail' END) ELSE f.verdict END,
            f.subject, f.product, f.controls
        FROM new_runs n CROSS JOIN base JOIN findings f ON f.assessment_id = base.id
        WHERE f.product IS NULL OR (n.hh + abs(hashtext(f.product))) % 3 <> 0;
        INSERT INTO findings (assessment_id, host_id, assessed_at, check_id, severity, verdict, subject, product, controls)
        SELECT n.aid, n.host_id, n.at, 'qemu.sandbox', 'high', CASE WHEN (n.hh + g) % 4 = 0 THEN 'fail' ELSE 'pass' END,
            format('guest-%s', g), 'qemu', ARRAY['ISM-1604']
        FROM new_runs n CROSS JOIN LATERAL generate_series(1, (n.hh % 201)::int) g
        WHERE (n.hh + abs(hashtext('qemu'))) % 3 <> 0;
        UPDATE assessments a SET classification = (SELECT classification FROM assessments WHERE id = (SELECT id FROM base)), summarised = true,
            \(Migrations.summaryFromRows)
        WHERE a.id IN (SELECT aid FROM new_runs);
        UPDATE hosts h SET latest_assessment_id = n.aid, latest_assessed_at = n.at, latest_failing_checks = a.failing_checks
        FROM new_runs n JOIN assessments a ON a.id = n.aid WHERE n.host_id = h.id AND n.r = \(runs - 1);
        COMMIT;
        """
    }
}

import BulkheadModel
import Testing

/// Issue 19 #4: credentials inside QEMU -drive file= / -blockdev strings, URIs and secret objects are
/// redacted by the one function every stored argv passes through. Each form an attacker (or a careless
/// operator) uses, as QEMU's documentation writes it.
@Suite struct RedactionTests {
    func redacted(_ s: String, hides secret: String, keeps kept: [String] = []) {
        let r = Redaction.argument(s)
        #expect(!r.contains(secret), "\(r)")
        #expect(r.contains(Redaction.marker), "\(r)")
        for k in kept { #expect(r.contains(k), "\(k) missing from \(r)") }
    }

    @Test func rbdKeyInsideDriveFile() {
        redacted(
            "file=rbd:pool/image:id=admin:key=AQBsb2NrZWQtZG93bi1rZXk9PQ==:auth_supported=cephx,format=raw,if=virtio",
            hides: "AQBsb2NrZWQtZG93bi1rZXk9PQ", keeps: ["id=admin", ":auth_supported=cephx", ",format=raw,if=virtio", "key="])
    }

    @Test func iscsiUserinfoWithPercentSeparator() {
        redacted("file=iscsi://alice%s3cr3t@192.0.2.1/iqn.2001-04.com.example/1,if=none", hides: "s3cr3t", keeps: ["@192.0.2.1/iqn"])
        redacted("file=iscsi://alice%s3cr3t@192.0.2.1/iqn.2001-04.com.example/1", hides: "alice")
    }

    @Test func httpsAndSSHUserinfo() {
        redacted("file=https://bob:hunter2@images.example.com/disk.qcow2,readonly=on", hides: "hunter2", keeps: ["images.example.com/disk.qcow2"])
        redacted("file=ssh://root:toor@203.0.113.5:22/var/lib/d.img", hides: "toor", keeps: ["@203.0.113.5:22/var/lib/d.img"])
    }

    @Test func jsonBlockdevAndPseudoProtocol() {
        redacted(
            #"{"driver":"qcow2","file":{"driver":"rbd","pool":"p","image":"i","user":"admin","key":"AQBjc29ubWFnaWM="}}"#,
            hides: "AQBjc29ubWFnaWM", keeps: [#""user":"admin""#])
        redacted(
            #"file=json:{"file.driver":"https","file.url":"https://u:pw0rd@example.org/x.img","file.password":"plain"}"#,
            hides: "pw0rd")
        redacted(#"{"driver":"iscsi","transport":"tcp","password": "iscsi-pass","user":"u"}"#, hides: "iscsi-pass")
    }

    @Test func secretObjectsAndDottedKeys() {
        redacted("secret,id=sec0,data=letmein,format=raw", hides: "letmein", keeps: ["id=sec0", "format=raw"])
        redacted(#"{"qom-type":"secret","id":"sec0","data":"letmein"}"#, hides: "letmein")
        redacted("driver=iscsi,transport=tcp,portal=192.0.2.1,target=iqn.x,user=u,password=p4ss", hides: "p4ss")
        redacted("driver=qcow2,file.driver=rbd,file.key=AQBdotted==,node-name=n", hides: "AQBdotted", keeps: ["node-name=n"])
        redacted("https://api.example/v1?token=abc123&x=1", hides: "abc123", keeps: ["&x=1"])
    }

    @Test func referencesSwitchesAndPlainArgumentsAreKept() {
        for s in [
            "unix:/run/v.sock,password=on", "id=disk0,file=/var/lib/libvirt/images/a.qcow2,format=qcow2",
            "driver=rbd,pool=p,image=i,key-secret=sec0", "vnc=:1,password-secret=sec1,tls-creds=tls0",
            "tls-creds-x509,id=tls0,dir=/etc/pki/qemu,endpoint=server,passwordid=sec2", "nbd://192.0.2.7:10809/export",
            "tcp:0:4444", "-sandbox", "on,obsolete=deny,elevateprivileges=deny",
            "file=gluster://192.0.2.9/vol/img.qcow2", "user=nobody,chroot=/srv/jail",
        ] {
            #expect(Redaction.argument(s) == s, "\(s)")
        }
    }

    @Test func escapedCommaStaysInsideTheValue() {
        // QEMU's `,,` is a literal comma inside a value: the whole password goes.
        let r = Redaction.argument("secret,id=s,data=ab,,cd,format=raw")
        #expect(!r.contains("ab") && !r.contains("cd,"), "\(r)")
        #expect(r.hasSuffix(",format=raw"))
    }

    /// Found by Fuzz/text (crash-453c018b…): `key=AQ://h:password=x/` — the first pass redacted `AQ`, which
    /// took away the scheme byte before `://`, so the second pass redacted the `password=` the first had skipped.
    @Test func idempotentWhenARedactionTouchesAURIScheme() {
        let once = Redaction.argument("key=AQ://h:password=hunter2/x")
        #expect(!once.contains("hunter2"), "\(once)")
        #expect(Redaction.argument(once) == once)
        let crash: [UInt8] = [
            0x70, 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x31, 0x66, 0x69, 0x6C, 0x65, 0x3D, 0x72, 0x62, 0x64, 0x3A, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A,
            0x19, 0x41, 0x51, 0x7B, 0x22, 0x61, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE,
            0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE,
            0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0x22, 0x3A, 0x32, 0x66, 0x69, 0x6C, 0x65, 0x3D, 0x72, 0x62, 0x64, 0x3A, 0x70, 0x2F, 0x00, 0x2D,
            0x69, 0x3A, 0x6B, 0x65, 0x79, 0x3D, 0x41, 0x51, 0x3A, 0x2F, 0x2F, 0x1A, 0x1A, 0x1A, 0x3A, 0x70, 0x61, 0x73, 0x73, 0x77, 0x6F, 0x72, 0x64,
            0x3D, 0x1A, 0x1A, 0x1A, 0x1A, 0x1A, 0x1A, 0x1A, 0x1A, 0x1A, 0x1A, 0x1A, 0x25, 0x6C, 0x65, 0x3D, 0x72, 0x62, 0x64, 0x3A, 0xE2, 0x81, 0xEA,
            0x3A, 0x6B, 0x65, 0x2F, 0x0D, 0x5D, 0x30, 0x00, 0x63, 0xC2, 0x9B, 0x74, 0x07,
        ]
        let text = String(decoding: crash, as: UTF8.self)
        let first = Redaction.argument(text)
        #expect(Redaction.argument(first) == first)
    }

    @Test func idempotent() {
        let once = Redaction.argument("password=x,key=y,file=https://a:b@c/d")
        #expect(Redaction.argument(once) == once)
    }
}

/// Issue 19 #11: the duplicate-key scanner configuration and evidence readers share.
@Suite struct JSONDuplicateKeysTests {
    @Test func findsTheFirstRepeatedKeyWithItsPath() {
        #expect(JSONDuplicateKeys.first(in: Array(#"{"a":1,"b":{"c":[{"d":1},{"d":2,"d":3}]}}"#.utf8))?.path == "$.b.c[1]")
        #expect(JSONDuplicateKeys.first(in: Array(#"{"a":1,"a":2}"#.utf8))?.key == "a")
        // An escaped spelling of the same key is the same key.
        #expect(JSONDuplicateKeys.first(in: Array(#"{"a":1,"\u0061":2}"#.utf8))?.key == "a")
    }

    @Test func equalKeysInDifferentObjectsAndKeysInsideStringsAreNotDuplicates() {
        #expect(JSONDuplicateKeys.first(in: Array(#"{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}"#.utf8)) == nil)
        #expect(JSONDuplicateKeys.first(in: Array(#"{"a":"{\"a\":1}","b":"a"}"#.utf8)) == nil)
        #expect(JSONDuplicateKeys.first(in: Array(#"["a","a"]"#.utf8)) == nil)
    }
}

// bulkhead-probe: runs inside a guest or sandbox and reports what isolates it (issue 9).
print("{\"probe\":\"bulkhead-probe\",\"status\":\"not yet implemented\"}")

import Foundation
import SargablePostgres

// Start-up time of TemporaryPostgres (start until the first connection is possible, then stop),
// against a baseline in the same run: the bare `initdb` + `pg_ctl start` + immediate stop that it
// wraps, run through /bin/sh. Usage: sargable-pg-bench [runs]
let runs = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 5
guard let binaries = ServerBinaries.locate() else {
    print("no PostgreSQL server programs found")
    exit(2)
}
let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

var starts: [Double] = []
var wholeCycles: [Double] = []
for _ in 0 ..< runs {
    let began = clock.now
    let server = try TemporaryPostgres.start(.init(createHypoPG: false))
    starts.append(seconds(server.startupDuration))
    _ = try Connection(server.connectionString()).query("SELECT 1")
    server.stop()
    wholeCycles.append(seconds(clock.now - began))
}

let asPostgres = geteuid() == 0 ? "runuser -u postgres -- " : ""
let script = """
    set -e
    d=$(mktemp -d /tmp/pg-bench-XXXXXX)
    \(geteuid() == 0 ? "chown postgres: \"$d\"" : "true")
    \(asPostgres)\(binaries.path("initdb")) -D "$d/data" -U postgres -A trust -E UTF8 --locale=C --no-sync --no-instructions >/dev/null
    printf "listen_addresses=''\\nunix_socket_directories='%s'\\nfsync=off\\n" "$d" >> "$d/data/postgresql.conf"
    \(asPostgres)\(binaries.path("pg_ctl")) -D "$d/data" -l "$d/log" -w -s start
    \(asPostgres)\(binaries.path("pg_ctl")) -D "$d/data" -m immediate -w -s stop
    rm -rf "$d"
    """
var baselines: [Double] = []
for _ in 0 ..< runs {
    let began = clock.now
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    try process.run()
    process.waitUntilExit()
    baselines.append(seconds(clock.now - began))
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
let format = { (value: Double) in String(format: "%.3f s", value) }
print("TemporaryPostgres.start (median of \(runs)): \(format(median(starts)))")
print("start + connect + stop (median):        \(format(median(wholeCycles)))")
print("baseline initdb + pg_ctl start/stop:    \(format(median(baselines)))")
print(String(format: "ratio (full cycle / baseline):          %.2f", median(wholeCycles) / median(baselines)))

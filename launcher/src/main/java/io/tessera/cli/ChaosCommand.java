package io.tessera.cli;

import io.tessera.cli.chaos.ChaosReport;
import io.tessera.cli.chaos.ChaosRun;
import io.tessera.cli.chaos.FailoverTiming;
import io.tessera.cli.chaos.OutageTiming;
import io.tessera.cli.chaos.TransactionChaosRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tessera chaos}: replication and failover under real faults (docs/failover.md). Starts
 * ZooKeeper, coordinators and shard nodes as child processes, runs concurrent writers while it
 * kills, pauses and restarts them, then checks every acknowledged write and compares the replica
 * files. {@code --failover-timing N} measures instead how long a shard is unavailable for writes
 * when its primary is killed.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {
            "Fault injection on a cluster of child processes (docs/failover.md). Writers",
            "insert unique keys into a table with 3 replicas per shard while nodes are",
            "killed (kill -9), paused (SIGSTOP/SIGCONT) and restarted, and the leading",
            "coordinator is killed. Then every acknowledged insert must be stored exactly",
            "once and the replicas of each shard must hold the same rows.",
            "Exit status 0 when every check passed, 1 otherwise.",
            "--failover-timing N: kill the primary of a one-shard table N times and print",
            "how long writes stalled.",
            "--workload bank|list-append|transactions: transactions instead of inserts",
            "(docs/transactions.md): transfers between accounts on every shard with readers",
            "summing all balances, and/or a list-append history checked for snapshot",
            "isolation anomalies. --kill-clients N: transfer clients as processes, killed",
            "with kill -9 mid-transfer and replaced."})
final class ChaosCommand implements Callable<Integer> {
    @Mixin
    ConfigFile configFile;

    @Option(names = "--minutes", defaultValue = "5", description = "How long to inject faults (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--writers", defaultValue = "6", description = "Concurrent writer connections; with --workload bank|list-append|transactions, the clients of each workload (default: ${DEFAULT-VALUE}).")
    int writers;

    @Option(names = "--shards", defaultValue = "6", description = "Shards of the table, 3 replicas each (default: ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--nodes", defaultValue = "3", description = "Shard node processes, at least 3 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--coordinators", defaultValue = "2", description = "Coordinator processes (default: ${DEFAULT-VALUE}).")
    int coordinators;

    @Option(names = "--durability", defaultValue = "sync", description = "Shard nodes' durability: sync or memory (default: ${DEFAULT-VALUE}).")
    String durability;

    @Option(names = "--seed", description = "Seed of the fault choices (default: random, printed).")
    Long seed;

    @Option(names = "--data", description = "Data and logs (default: data/chaos-<date-time>); kept afterwards.")
    Path data;

    @Option(names = "--log-retention", paramLabel = "ENTRIES", defaultValue = "0",
            description = "Nodes' --log-retention; small (e.g. 200) makes restarted nodes catch up by snapshot; 0 = the node default.")
    int logRetention;

    @Option(names = "--failover-timing", paramLabel = "N", defaultValue = "0",
            description = "Instead of the chaos run: kill the primary N times (>= 20 for the docs) and print the timings.")
    int failoverTiming;

    @Option(names = "--outage-timing", paramLabel = "N", defaultValue = "0",
            description = "Instead of the chaos run: kill the leading coordinator N times, then SIGSTOP ZooKeeper"
                    + " for 5 s and for 12 s, and print how writes fared.")
    int outageTiming;

    @Option(names = "--workload", defaultValue = "insert", paramLabel = "NAME",
            description = "insert (unique-key inserts), bank, list-append, or transactions (bank and list-append) "
                    + "(default: ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--kill-clients", paramLabel = "N", defaultValue = "0",
            description = "With --workload bank|transactions: also run N transfer clients as processes of their own,"
                    + " kill -9 them mid-transfer (in the statements or inside commit()) and start new ones, during"
                    + " the faults; their transfers join the bank check (default: ${DEFAULT-VALUE}).")
    int killClients;

    @Override
    public Integer call() throws Exception {
        if (nodes < 3) {
            System.err.println("tessera chaos: --nodes must be at least 3 (tables have 3 replicas)");
            return 2;
        }
        if (!List.of("insert", "bank", "list-append", "transactions").contains(workload)) {
            System.err.println("tessera chaos: --workload is insert, bank, list-append or transactions");
            return 2;
        }
        if (killClients < 0 || (killClients > 0 && !workload.equals("bank") && !workload.equals("transactions"))) {
            System.err.println("tessera chaos: --kill-clients N needs --workload bank or transactions");
            return 2;
        }
        if (!durability.equals("sync") && !durability.equals("memory")) {
            System.err.println("tessera chaos: --durability is sync or memory");
            return 2;
        }
        Path dir = data != null ? data : Paths.get("data", "chaos-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    System.err.println("tessera chaos: " + dir + " is not empty; choose another --data");
                    return 2;
                }
            }
        }
        Files.createDirectories(dir);
        Logging.toFile(dir.resolve("client.log"));
        System.out.println("Logs: " + dir.toAbsolutePath() + "/{zk.log,coordinator-*.log,node-*/node.log,client.log}");
        if (failoverTiming > 0) {
            return timing(dir);
        }
        if (outageTiming > 0) {
            return outageTiming(dir);
        }
        long s = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        if (!workload.equals("insert")) {
            return transactions(dir, s);
        }
        ChaosRun.Settings settings = new ChaosRun.Settings(dir, Duration.ofMillis((long) (minutes * 60_000)), writers,
                shards, nodes, coordinators, durability, s, Duration.ofSeconds(120), Duration.ofSeconds(60),
                Duration.ofSeconds(120), logRetention > 0 ? List.of("--log-retention", Integer.toString(logRetention)) : List.of());
        ChaosReport report = ChaosRun.run(settings, line -> {
            System.out.println(line);
            System.out.flush();
        });
        System.out.println();
        System.out.print(report.render());
        return report.passed() ? 0 : 1;
    }

    private int transactions(Path dir, long s) throws Exception {
        boolean bank = workload.equals("bank") || workload.equals("transactions");
        boolean listAppend = workload.equals("list-append") || workload.equals("transactions");
        TransactionChaosRun.Settings settings = new TransactionChaosRun.Settings(dir,
                Duration.ofMillis((long) (minutes * 60_000)), bank, listAppend, writers, shards, nodes, coordinators,
                durability, s, Duration.ofSeconds(120), Duration.ofSeconds(60), Duration.ofSeconds(120),
                logRetention > 0 ? List.of("--log-retention", Integer.toString(logRetention)) : List.of(),
                killClients);
        ChaosReport report = TransactionChaosRun.run(settings, line -> {
            System.out.println(line);
            System.out.flush();
        });
        System.out.println();
        System.out.print(report.render());
        return report.passed() ? 0 : 1;
    }

    private int timing(Path dir) throws Exception {
        FailoverTiming.Result r = FailoverTiming.run(new FailoverTiming.Settings(dir, failoverTiming, durability,
                Duration.ofSeconds(120), Duration.ofSeconds(120)), line -> {
                    System.out.println(line);
                    System.out.flush();
                });
        System.out.println();
        System.out.println(r.summary());
        for (String f : r.failures()) {
            System.out.println("FAILED: " + f);
        }
        return r.ok() ? 0 : 1;
    }

    private int outageTiming(Path dir) throws Exception {
        OutageTiming.Result r = OutageTiming.run(new OutageTiming.Settings(dir, outageTiming,
                List.of(Duration.ofSeconds(5), Duration.ofSeconds(12)), durability, Duration.ofSeconds(120)), line -> {
                    System.out.println(line);
                    System.out.flush();
                });
        System.out.println();
        System.out.print(r.summary());
        for (String f : r.failures()) {
            System.out.println("FAILED: " + f);
        }
        return r.ok() ? 0 : 1;
    }
}

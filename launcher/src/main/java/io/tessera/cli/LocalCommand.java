package io.tessera.cli;

import io.tessera.node.storage.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tessera local}: a whole cluster on this machine, nodes in child processes, until stopped. */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = {
            "Run ZooKeeper and a coordinator in this process and N shard nodes as child processes,",
            "print the JDBC URL, and stop everything on Ctrl-C / SIGTERM. Data survives restarts with the same --data."})
final class LocalCommand implements Callable<Integer> {
    @Mixin
    ConfigFile configFile;

    @Option(names = "--nodes", defaultValue = "3", description = "Shard node processes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--data", defaultValue = "data/local", description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--zk-port", defaultValue = "2181", description = "ZooKeeper client port; 0 = a free one (default: ${DEFAULT-VALUE}).")
    int zkPort;

    @Option(names = "--cluster", defaultValue = "default", description = "Cluster name (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--replicas", defaultValue = "0",
            description = "Replicas per shard when a table does not say; 0 = 1 until replication lands (default: ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--durability", defaultValue = "sync", description = "Shard nodes' durability: sync or memory (default: ${DEFAULT-VALUE}).")
    Durability durability;

    @Option(names = "--start-timeout", defaultValue = "60", description = "Seconds to wait for the nodes (default: ${DEFAULT-VALUE}).")
    int startTimeoutSeconds;

    @Mixin
    GcOptions gc = new GcOptions();

    @Override
    public Integer call() throws Exception {
        if (nodes < 1) {
            System.err.println("tessera local: --nodes must be at least 1");
            return 2;
        }
        LocalCluster cluster = LocalCluster.start(settings());
        Processes.onShutdown("local cluster", cluster::close);
        printBanner(cluster);
        Processes.awaitShutdown();
        return 0;
    }

    LocalCluster.Settings settings() {
        return new LocalCluster.Settings(data, nodes, zkPort, cluster, replicas, durability,
                Duration.ofSeconds(startTimeoutSeconds), gc.window(), gc.interval());
    }

    static void printBanner(LocalCluster cluster) {
        List<Process> procs = cluster.nodeProcesses();
        System.out.println("Tessera cluster '" + cluster.cluster() + "' running: ZooKeeper " + cluster.zkConnect()
                + ", coordinator in this process (pid " + ProcessHandle.current().pid() + "), "
                + procs.size() + " shard node processes, data in " + cluster.dataDir());
        for (int i = 0; i < procs.size(); i++) {
            System.out.println("  node-" + (i + 1) + "  pid " + procs.get(i).pid() + "  log "
                    + cluster.dataDir().resolve("node-" + (i + 1)).resolve("node.log"));
        }
        System.out.println("JDBC URL: " + cluster.jdbcUrl());
        System.out.println("Console:  bin/tessera sql --url " + cluster.jdbcUrl());
        System.out.println("Status:   bin/tessera status --zk " + cluster.zkConnect() + " --cluster " + cluster.cluster());
        System.out.println("Press Ctrl-C to stop.");
        System.out.flush();
    }
}

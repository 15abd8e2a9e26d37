package io.tessera.cli;

import io.tessera.coordinator.Coordinator;
import io.tessera.coordinator.CoordinatorConfig;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tessera coordinator}: one coordinator (leader-elected among all coordinators of the cluster). */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = "Run a coordinator (membership, placement, failover, TSO, DDL) until Ctrl-C / SIGTERM.")
final class CoordinatorCommand extends ClusterCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind and advertise (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "gRPC port; 0 = a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--id", description = "Coordinator id, unique in the cluster (default: coordinator-<host>-<pid>).")
    String id;

    @Option(names = "--replicas", defaultValue = "3",
            description = "Replicas per shard when a table does not say, capped by the live nodes (default: ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--replace-after", defaultValue = "600", paramLabel = "SECONDS",
            description = "How long a shard node may be away before its replicas are re-created on other live nodes"
                    + " (default: ${DEFAULT-VALUE}).")
    long replaceAfterSeconds;

    @Option(names = "--zk-session-timeout", defaultValue = "10000", paramLabel = "MS",
            description = "ZooKeeper session timeout: a standby takes over about this long after the leader hangs"
                    + " (a crashed leader is replaced at once), and the timestamp oracle serves through ZooKeeper"
                    + " outages up to 75% of it (default: ${DEFAULT-VALUE}).")
    long zkSessionTimeoutMs;

    @Mixin
    GcOptions gc = new GcOptions();

    @Override
    public Integer call() throws Exception {
        String coordinatorId = id != null ? id : "coordinator-" + host + "-" + ProcessHandle.current().pid();
        Coordinator coordinator = new Coordinator(
                CoordinatorConfig.of(coordinatorId, zk, cluster, host, port).withDefaultReplicationFactor(replicas)
                        .withReplaceAfter(Duration.ofSeconds(replaceAfterSeconds))
                        .withZkSessionTimeout(Duration.ofMillis(zkSessionTimeoutMs))
                        .withGcWindow(gc.window())
                        .withGcInterval(gc.interval()));
        coordinator.start();
        Processes.onShutdown("coordinator", coordinator::close);
        System.out.println("Coordinator " + coordinatorId + " of cluster '" + cluster + "' serving " + coordinator.address()
                + " (ZooKeeper " + zk + ")");
        Processes.awaitShutdown();
        return 0;
    }
}

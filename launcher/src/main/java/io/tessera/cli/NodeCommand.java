package io.tessera.cli;

import io.tessera.node.ShardNode;
import io.tessera.node.ShardNodeConfig;
import io.tessera.node.storage.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tessera node}: one shard node, registered in ZooKeeper, until stopped. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Run a shard node (stores and serves shard replicas) until Ctrl-C / SIGTERM.")
final class NodeCommand extends ClusterCommand implements Callable<Integer> {
    @Option(names = "--data", description = "Directory of the node's replica files; omitted = in memory (lost at exit).")
    Path data;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind and advertise (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "gRPC port; 0 = a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--id", description = "Node id; default: generated on first start and kept in <data>/node.id.")
    String id;

    @Option(names = "--durability", defaultValue = "sync",
            description = "sync = fsync before acknowledging a write; memory = commit, sync in the background (default: ${DEFAULT-VALUE}).")
    Durability durability;

    @Option(names = "--zk-session-timeout", defaultValue = "4000", paramLabel = "MS",
            description = "ZooKeeper session timeout in ms: the node counts as dead this long after it stops answering (default: ${DEFAULT-VALUE}).")
    long zkSessionTimeoutMillis;

    @Option(names = "--lease", defaultValue = "1000", paramLabel = "MS",
            description = "Read lease of a primary in ms; a promoted follower waits this long (default: ${DEFAULT-VALUE}).")
    long leaseMillis;

    @Option(names = "--replication-timeout", defaultValue = "2000", paramLabel = "MS",
            description = "A follower silent this long (ms) is removed from the sync set (default: ${DEFAULT-VALUE}).")
    long replicationTimeoutMillis;

    @Option(names = "--log-retention", defaultValue = "100000", paramLabel = "ENTRIES",
            description = "Replication log entries kept per shard; a follower further behind gets a snapshot (default: ${DEFAULT-VALUE}).")
    int logRetention;

    /** Set by {@code local}/{@code demo} for the nodes they spawn: exit when the parent process dies. */
    @Option(names = "--exit-with-parent", hidden = true)
    boolean exitWithParent;

    @Override
    public Integer call() throws Exception {
        ShardNodeConfig.ReplicationSettings replication = ShardNodeConfig.ReplicationSettings.DEFAULTS
                .withZkSessionTimeout(Duration.ofMillis(zkSessionTimeoutMillis))
                .withLease(Duration.ofMillis(leaseMillis))
                .withReplicationTimeout(Duration.ofMillis(replicationTimeoutMillis))
                .withLogRetention(logRetention);
        ShardNode node = new ShardNode(new ShardNodeConfig(id, data, host, port, zk, cluster, durability)
                .withReplication(replication));
        node.start();
        Processes.onShutdown("shard node", node::close);
        if (exitWithParent) {
            Processes.exitWithParent();
        }
        System.out.println("Shard node " + node.nodeId() + " of cluster '" + cluster + "' serving " + node.address()
                + " (data " + (data == null ? "in memory" : data.toAbsolutePath()) + ", ZooKeeper " + zk + ")");
        Processes.awaitShutdown();
        return 0;
    }
}

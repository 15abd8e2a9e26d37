package io.tessera.cli;

import io.tessera.node.storage.Durability;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code tessera demo}: a local cluster with sample data, and the SQL console on it. The cluster stops
 * when the console exits; the data stays in {@code --data} for the next demo.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "Start a local 3-node cluster (data in --data), load the sample schema (customers, products, orders)",
            "on first use, and open the SQL console on it. Quitting the console (!quit) stops the cluster."})
final class DemoCommand implements Callable<Integer> {
    static final String DEFAULT_DATA = "data/demo";

    @Mixin
    ConfigFile configFile;

    @Option(names = "--data", defaultValue = DEFAULT_DATA, description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--nodes", defaultValue = "3", description = "Shard node processes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--zk-port", defaultValue = "2181",
            description = "ZooKeeper client port; a free one if it is taken; 0 = always a free one (default: ${DEFAULT-VALUE}).")
    int zkPort;

    @Option(names = "--durability", defaultValue = "memory",
            description = "Shard nodes' durability: sync or memory (default: ${DEFAULT-VALUE}).")
    Durability durability;

    @Option(names = "--start-timeout", defaultValue = "60", description = "Seconds to wait for the nodes (default: ${DEFAULT-VALUE}).")
    int startTimeoutSeconds;

    @Unmatched
    List<String> sqllineArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        int port = zkPort != 0 && LocalCluster.portFree(zkPort) ? zkPort : 0;
        System.out.println("Starting a " + nodes + "-node Tessera cluster in " + data.toAbsolutePath()
                + " (log: " + Logging.logFile() + ") ...");
        LocalCluster cluster = LocalCluster.start(new LocalCluster.Settings(data, nodes, port, "default", 0,
                durability, Duration.ofSeconds(startTimeoutSeconds)));
        Processes.onShutdown("demo cluster", cluster::close);
        try {
            String url = cluster.jdbcUrl();
            try {
                if (SampleData.loadIfAbsent(url, System.out)) {
                    System.out.println("Loaded the sample schema.");
                }
            } catch (SQLException e) {
                System.out.println("Could not load the sample schema: " + SampleData.firstLine(e.getMessage()));
                System.out.println("(details in " + Logging.logFile() + "; the console opens anyway)");
                LoggerFactory.getLogger(DemoCommand.class).warn("Loading the sample schema failed", e);
            }
            System.out.println();
            System.out.println("Cluster URL: " + url + "   (other terminals: bin/tessera sql --url " + url + ")");
            System.out.println("Try:  !tables");
            System.out.println("      SELECT * FROM customer_totals ORDER BY total DESC LIMIT 5;");
            System.out.println("      SELECT p.category, SUM(o.amount) FROM orders o JOIN products p ON p.id = o.product_id GROUP BY p.category;");
            System.out.println("      EXPLAIN PLAN FOR SELECT * FROM orders WHERE customer_id = 42;");
            System.out.println("Quit with !quit (stops the cluster).");
            System.out.println();
            return Console.run(url, "tessera", "", sqllineArgs);
        } finally {
            System.out.println("Stopping the cluster ...");
            cluster.close();
        }
    }
}

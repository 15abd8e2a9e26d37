package io.tessera.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options every role that joins or reads a cluster in ZooKeeper shares: {@code --config},
 * {@code --zk} and {@code --cluster}. A superclass rather than a {@code @Mixin} so the values stay
 * plain fields of each command ({@code node.zk}, {@code node.cluster}).
 */
abstract class ClusterCommand {
    @Mixin
    ConfigFile configFile;

    @Option(names = "--zk", defaultValue = "127.0.0.1:2181", description = "ZooKeeper connect string (default: ${DEFAULT-VALUE}).")
    String zk;

    @Option(names = "--cluster", defaultValue = "default", description = "Cluster name (default: ${DEFAULT-VALUE}).")
    String cluster;
}

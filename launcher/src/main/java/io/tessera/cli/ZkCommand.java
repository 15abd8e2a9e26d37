package io.tessera.cli;

import io.tessera.coordinator.zk.EmbeddedZooKeeper;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tessera zk}: a standalone ZooKeeper server for a cluster, until stopped. */
@Command(name = "zk", mixinStandardHelpOptions = true,
        description = "Run a standalone ZooKeeper server (data kept in --data) until Ctrl-C / SIGTERM.")
final class ZkCommand implements Callable<Integer> {
    @Mixin
    ConfigFile configFile;

    @Option(names = "--port", defaultValue = "2181", description = "Client port; 0 = a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data", defaultValue = "data/zk", description = "Snapshot and log directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Override
    public Integer call() throws Exception {
        EmbeddedZooKeeper zk = new EmbeddedZooKeeper(data, port).start();
        Processes.onShutdown("ZooKeeper", zk::close);
        System.out.println("ZooKeeper serving " + zk.connectString() + " (data " + data.toAbsolutePath() + ")");
        Processes.awaitShutdown();
        return 0;
    }
}

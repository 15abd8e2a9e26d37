package io.tessera.cli;

import io.tessera.jdbc.ClusterReadiness;
import io.tessera.jdbc.EmbeddedCluster;
import io.tessera.node.storage.Durability;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The cluster of {@code tessera local} and {@code tessera demo}: ZooKeeper and a coordinator in this
 * process, and one child process per shard node (same java, same classpath, {@code node}
 * subcommand). Layout under the data directory, shared with {@code jdbc:tessera:local:DIR}:
 * {@code zk/}, {@code node-1/} ... {@code node-N/} (each with its {@code node.log}).
 */
final class LocalCluster implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final Path dataDir;
    private final EmbeddedCluster core;
    private final List<Process> nodes = new ArrayList<>();
    private boolean closed;

    private LocalCluster(Path dataDir, EmbeddedCluster core) {
        this.dataDir = dataDir;
        this.core = core;
    }

    /** Settings of a local cluster. */
    record Settings(Path dataDir, int nodes, int zkPort, String cluster, int replicas, Durability durability,
                    Duration startTimeout, Duration gcWindow, Duration gcInterval) {
        /** With the default GC window and interval (null: 10 min, 1 min). */
        Settings(Path dataDir, int nodes, int zkPort, String cluster, int replicas, Durability durability,
                Duration startTimeout) {
            this(dataDir, nodes, zkPort, cluster, replicas, durability, startTimeout, null, null);
        }
    }

    /** Starts ZooKeeper, the coordinator and the node processes; returns when all nodes are registered. */
    static LocalCluster start(Settings s) throws IOException, InterruptedException {
        Path dir = s.dataDir().toAbsolutePath().normalize();
        if (s.zkPort() != 0 && !portFree(s.zkPort())) {
            throw new IOException("ZooKeeper port " + s.zkPort() + " is in use (another ZooKeeper or Tessera?); "
                    + "choose another with --zk-port, or --zk-port 0 for a free one");
        }
        Files.createDirectories(dir);
        EmbeddedCluster core = EmbeddedCluster.builder()
                .dataDir(dir)
                .nodes(0)
                .replicas(s.replicas() > 0 ? s.replicas() : Math.min(EmbeddedCluster.DEFAULT_REPLICAS, s.nodes()))
                .zkPort(s.zkPort())
                .cluster(s.cluster())
                .startTimeout(s.startTimeout())
                .gcWindow(s.gcWindow())
                .gcInterval(s.gcInterval())
                .start();
        LocalCluster cluster = new LocalCluster(dir, core);
        try {
            for (int i = 1; i <= s.nodes(); i++) {
                cluster.nodes.add(cluster.spawnNode(i, s.durability()));
            }
            cluster.awaitNodes(s.nodes(), s.startTimeout());
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private Process spawnNode(int i, Durability durability) throws IOException {
        Path nodeDir = dataDir.resolve("node-" + i);
        Files.createDirectories(nodeDir);
        Path log = nodeDir.resolve("node.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.add("-Xmx1g");
        cmd.add("-XX:+UseParallelGC");
        String level = System.getProperty("tessera.log.level");
        if (level != null) {
            cmd.add("-Dtessera.log.level=" + level);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TesseraCli.class.getName());
        cmd.addAll(List.of("node",
                "--zk", core.zkConnect(),
                "--cluster", core.cluster(),
                "--id", "node-" + i,
                "--data", nodeDir.toString(),
                "--port", "0",
                "--durability", durability.name().toLowerCase(Locale.ROOT),
                "--exit-with-parent"));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** Whether a server could listen on {@code port} now. */
    static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    }

    private void awaitNodes(int n, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (int i = 0; i < nodes.size(); i++) {
                Process p = nodes.get(i);
                if (!p.isAlive()) {
                    throw new IOException("shard node node-" + (i + 1) + " exited with status " + p.exitValue()
                            + "; see " + dataDir.resolve("node-" + (i + 1)).resolve("node.log"));
                }
            }
            try {
                ClusterReadiness.await(core.zkConnect(), core.cluster(), n, true, Duration.ofSeconds(1));
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(e.getMessage() + "; node logs are in " + dataDir + "/node-*/node.log");
                }
            }
        }
    }

    String zkConnect() {
        return core.zkConnect();
    }

    String cluster() {
        return core.cluster();
    }

    String jdbcUrl() {
        return core.jdbcUrl();
    }

    Path dataDir() {
        return dataDir;
    }

    List<Process> nodeProcesses() {
        return List.copyOf(nodes);
    }

    /**
     * Stops the node processes (SIGTERM, then SIGKILL after 15 s), then the
     * coordinator and ZooKeeper. Idempotent; safe from a shutdown hook.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : nodes) {
            p.destroy();
        }
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (Process p : nodes) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        core.close();
    }
}

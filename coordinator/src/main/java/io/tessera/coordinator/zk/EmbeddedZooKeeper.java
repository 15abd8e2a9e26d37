package io.tessera.coordinator.zk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standalone ZooKeeper server running inside this JVM: for embedded clusters, tests and the
 * {@code zk} role of the launcher. Data (snapshots and transaction log) lives under {@code dataDir},
 * so a server restarted on the same directory keeps its znodes.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
    private static final long START_TIMEOUT_MS = 30_000;

    private final Path dataDir;
    private final int requestedPort;
    private final Properties extra;
    private ZooKeeperServerEmbedded server;
    private String connectString;

    /** {@code port} 0 picks a free port; see {@link #connectString()} once started. */
    public EmbeddedZooKeeper(Path dataDir, int port) {
        this(dataDir, port, new Properties());
    }

    /** {@code extraConfig} holds further zoo.cfg keys, e.g. {@code maxSessionTimeout}. */
    public EmbeddedZooKeeper(Path dataDir, int port, Properties extraConfig) {
        this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        this.requestedPort = port;
        this.extra = (Properties) extraConfig.clone();
    }

    public synchronized EmbeddedZooKeeper start() throws IOException {
        if (server != null) {
            return this;
        }
        Files.createDirectories(dataDir);
        Properties cfg = new Properties();
        cfg.setProperty("clientPort", Integer.toString(requestedPort));
        cfg.setProperty("tickTime", "500");
        // Sessions between 1 s and 30 s: short enough that a dead coordinator or node is noticed
        // quickly, long enough to ride out a GC pause.
        cfg.setProperty("minSessionTimeout", "1000");
        cfg.setProperty("maxSessionTimeout", "30000");
        cfg.setProperty("initLimit", "10");
        cfg.setProperty("syncLimit", "5");
        // The admin server needs Jetty, which we do not ship.
        cfg.setProperty("admin.enableServer", "false");
        cfg.setProperty("4lw.commands.whitelist", "ruok,srvr,stat,mntr");
        cfg.putAll(extra);
        try {
            ZooKeeperServerEmbedded s = ZooKeeperServerEmbedded.builder()
                    .baseDir(dataDir)
                    .configuration(cfg)
                    // Never let ZooKeeper call System.exit inside a database process.
                    .exitHandler(ExitHandler.LOG_ONLY)
                    .build();
            s.start(START_TIMEOUT_MS);
            server = s;
            connectString = "127.0.0.1:" + s.getClientPort();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot start embedded ZooKeeper in " + dataDir + ": " + e.getMessage(), e);
        }
        log.info("Embedded ZooKeeper serving {} (data {})", connectString, dataDir);
        return this;
    }

    /** {@code host:port} for clients; valid after {@link #start()}. */
    public synchronized String connectString() {
        if (connectString == null) {
            throw new IllegalStateException("ZooKeeper not started");
        }
        return connectString;
    }

    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("ZooKeeper not started");
        }
        return server.getClientPort();
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.close();
            server = null;
            log.info("Embedded ZooKeeper {} stopped", connectString);
        }
    }
}

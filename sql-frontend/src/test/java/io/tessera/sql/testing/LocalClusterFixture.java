package io.tessera.sql.testing;

import io.tessera.coordinator.Coordinator;
import io.tessera.coordinator.CoordinatorConfig;
import io.tessera.coordinator.zk.EmbeddedZooKeeper;
import io.tessera.node.ShardNode;
import io.tessera.node.ShardNodeConfig;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.sql.jdbc.FrontendDriver;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * A whole Tessera cluster in this JVM, for tests: a real ZooKeeper (embedded), one coordinator
 * (leading) and {@code n} in-memory shard nodes, all registered under a fresh cluster name.
 *
 * <pre>{@code
 * try (LocalClusterFixture cluster = LocalClusterFixture.start(3);
 *      Connection c = cluster.connect()) { ... }
 * }</pre>
 */
public final class LocalClusterFixture implements AutoCloseable {
  private static final Duration STARTUP = Duration.ofSeconds(60);

  private final Path dataDir;
  private final String clusterName;
  private EmbeddedZooKeeper zooKeeper;
  private Coordinator coordinator;
  private final List<ShardNode> nodes = new ArrayList<>();

  private LocalClusterFixture(Path dataDir, String clusterName) {
    this.dataDir = dataDir;
    this.clusterName = clusterName;
  }

  /** Starts ZooKeeper, a coordinator and {@code nodes} shard nodes; returns once all are up. */
  public static LocalClusterFixture start(int nodes) throws Exception {
    Path dir = Files.createTempDirectory("tessera-cluster-");
    LocalClusterFixture f = new LocalClusterFixture(dir,
        "test-" + UUID.randomUUID().toString().substring(0, 8));
    try {
      f.zooKeeper = new EmbeddedZooKeeper(dir.resolve("zk"), 0).start();
      f.coordinator = new Coordinator(CoordinatorConfig.of("coordinator-1", f.zkConnect(),
          f.clusterName, "127.0.0.1", 0)).start();
      if (!f.coordinator.awaitLeadership(STARTUP)) {
        throw new IllegalStateException("the coordinator did not become leader");
      }
      for (int i = 0; i < nodes; i++) {
        f.startNode("node-" + (i + 1));
      }
      f.awaitLiveNodes(nodes);
      return f;
    } catch (Exception | Error e) {
      f.close();
      throw e;
    }
  }

  /** Starts one more shard node. */
  public ShardNode startNode(String nodeId) throws IOException, InterruptedException {
    ShardNode node = new ShardNode(ShardNodeConfig.inMemory().withNodeId(nodeId)
        .withHost("127.0.0.1").withZooKeeper(zkConnect(), clusterName)).start();
    nodes.add(node);
    return node;
  }

  /** Stops (kills) shard node {@code index} of {@link #nodes()}; its replicas are lost. */
  public void stopNode(int index) {
    nodes.get(index).close();
  }

  public String zkConnect() {
    return zooKeeper.connectString();
  }

  public String clusterName() {
    return clusterName;
  }

  public Coordinator coordinator() {
    return coordinator;
  }

  public List<ShardNode> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  /** A new JDBC connection to this cluster (Tessera's frontend driver). */
  public Connection connect() throws SQLException {
    return connect(new Properties());
  }

  /** A new JDBC connection with extra connection properties (e.g. {@code failoverTimeoutMs}). */
  public Connection connect(Properties extra) throws SQLException {
    Properties p = new Properties();
    p.putAll(extra);
    p.setProperty(FrontendDriver.ZK, zkConnect());
    p.setProperty(FrontendDriver.CLUSTER, clusterName);
    return new FrontendDriver().connect(FrontendDriver.CONNECT_STRING_PREFIX, p);
  }

  /** Waits until {@code count} shard nodes are registered as live in ZooKeeper. */
  public void awaitLiveNodes(int count) throws Exception {
    try (CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(zkConnect())
        .namespace(ZkPaths.namespace(clusterName))
        .retryPolicy(new ExponentialBackoffRetry(100, 5)).build()) {
      zk.start();
      zk.blockUntilConnected((int) STARTUP.toMillis(), TimeUnit.MILLISECONDS);
      long deadline = System.nanoTime() + STARTUP.toNanos();
      while (true) {
        int live = zk.checkExists().forPath(ZkPaths.NODES_LIVE) == null ? 0
            : zk.getChildren().forPath(ZkPaths.NODES_LIVE).size();
        if (live >= count) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(live + " of " + count + " shard nodes are live");
        }
        Thread.sleep(50);
      }
    }
  }

  @Override public void close() {
    for (ShardNode n : nodes) {
      try {
        n.close();
      } catch (RuntimeException ignored) {
        // best effort
      }
    }
    nodes.clear();
    if (coordinator != null) {
      coordinator.close();
      coordinator = null;
    }
    if (zooKeeper != null) {
      zooKeeper.close();
      zooKeeper = null;
    }
    deleteRecursively(dataDir);
  }

  private static void deleteRecursively(Path dir) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
            throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override public FileVisitResult postVisitDirectory(Path d, IOException e)
            throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException ignored) {
      // temp files; best effort
    }
  }
}

package io.tessera.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.PrewriteRequest;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.sql.testing.JdbcTesting;
import io.tessera.sql.testing.LocalClusterFixture;
import io.tessera.sql.testing.StandInNode;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Statements follow the route when it changes under them: a write or a scan waiting on a primary
 * that never answers (a stopped process keeps its connections open) is abandoned as soon as the
 * metadata names another primary, and sent there; a write keeps its (client_id, seq).
 *
 * <p>The route is moved by hand in ZooKeeper between stand-in nodes ({@link StandInNode}) and the
 * real node, at the same epoch, so the real node accepts what is forwarded to it.
 */
class StatementsFollowTheRouteTest {
  private LocalClusterFixture cluster;
  private CuratorFramework zk;
  private StandInNode stuck;
  private StandInNode forwarding;
  private Connection c;
  /** Watches SYS.SHARDS while {@code c} runs the statement under test. */
  private Connection admin;
  private long shardId;
  private final ExecutorService executor = Executors.newSingleThreadExecutor();

  @BeforeEach void start() throws Exception {
    cluster = LocalClusterFixture.start(1);
    zk = CuratorFrameworkFactory.builder().connectString(cluster.zkConnect())
        .namespace(ZkPaths.namespace(cluster.clusterName()))
        .retryPolicy(new ExponentialBackoffRetry(100, 3)).build();
    zk.start();
    zk.blockUntilConnected(10, TimeUnit.SECONDS);
    c = cluster.connect();
    admin = cluster.connect();
    JdbcTesting.execute(c, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)) SHARDS 1");
    shardId = (Long) JdbcTesting.query(c,
        "SELECT shard_id FROM sys.shards WHERE table_name = 'T'").get(0).get(0);
    stuck = StandInNode.stuck("stuck", cluster.zkConnect(), cluster.clusterName());
    forwarding = StandInNode.forwarding("forwarding", cluster.zkConnect(),
        cluster.clusterName(), cluster.nodes().get(0).address());
  }

  @AfterEach void stop() throws Exception {
    executor.shutdownNow();
    c.close();
    admin.close();
    stuck.close();
    forwarding.close();
    zk.close();
    cluster.close();
  }

  @Test void writeWaitingOnAStuckPrimaryIsResentToTheNewPrimaryWithTheSameSeq()
      throws Exception {
    route(stuck.nodeId());
    Future<Integer> insert = executor.submit(() -> {
      try (Statement s = c.createStatement()) {
        return s.executeUpdate("INSERT INTO t VALUES (1, 'a')");
      }
    });
    await(() -> !stuck.writes.isEmpty(), "the write reaches the stuck primary");
    route(forwarding.nodeId());

    assertThat(insert.get(20, TimeUnit.SECONDS)).isEqualTo(1);
    WriteRequest first = stuck.writes.get(0);
    assertThat(forwarding.writes).hasSize(1);
    assertThat(forwarding.writes.get(0).getClientId()).isEqualTo(first.getClientId());
    assertThat(forwarding.writes.get(0).getSeq()).isEqualTo(first.getSeq());
    assertThat(forwarding.writes.get(0).getMutationsList()).isEqualTo(first.getMutationsList());

    route(cluster.nodes().get(0).nodeId());
    assertThat(JdbcTesting.query(c, "SELECT v FROM t WHERE id = 1"))
        .containsExactly(List.of("a"));
  }

  @Test void prewriteWaitingOnAStuckPrimaryIsResentWithTheSameSeqAndCommits()
      throws Exception {
    c.setAutoCommit(false);
    route(stuck.nodeId());
    Future<Integer> insert = executor.submit(() -> {
      try (Statement s = c.createStatement()) {
        return s.executeUpdate("INSERT INTO t VALUES (1, 'a')");
      }
    });
    await(() -> !stuck.prewrites.isEmpty(), "the prewrite reaches the stuck primary");
    route(forwarding.nodeId());

    assertThat(insert.get(20, TimeUnit.SECONDS)).isEqualTo(1);
    PrewriteRequest first = stuck.prewrites.get(0);
    assertThat(forwarding.prewrites).hasSize(1);
    PrewriteRequest resent = forwarding.prewrites.get(0);
    assertThat(resent.getClientId()).isEqualTo(first.getClientId());
    assertThat(resent.getSeq()).isEqualTo(first.getSeq());
    assertThat(resent.getStartTs()).isEqualTo(first.getStartTs());
    assertThat(resent.getMutationsList()).isEqualTo(first.getMutationsList());
    c.commit(); // CommitTxn goes through the forwarding primary too
    c.setAutoCommit(true);

    route(cluster.nodes().get(0).nodeId());
    assertThat(JdbcTesting.query(admin, "SELECT v FROM t WHERE id = 1"))
        .containsExactly(List.of("a"));
  }

  @Test void scanWaitingOnAStuckPrimaryMovesToTheNewPrimary() throws Exception {
    JdbcTesting.execute(c, "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    route(stuck.nodeId());
    Future<List<List<Object>>> select = executor.submit(() ->
        JdbcTesting.query(c, "SELECT id, v FROM t ORDER BY id"));
    await(() -> !stuck.scans.isEmpty(), "the scan reaches the stuck primary");
    route(cluster.nodes().get(0).nodeId());

    assertThat(select.get(20, TimeUnit.SECONDS))
        .containsExactly(List.of(1, "a"), List.of(2, "b"));
  }

  /** Names {@code primary} as the shard's primary (same epoch); waits until SYS.SHARDS says so. */
  private void route(String primary) throws Exception {
    String path = ZkPaths.shardState(shardId);
    ShardState state = ShardState.parseFrom(zk.getData().forPath(path));
    zk.setData().forPath(path, state.toBuilder().setPrimary(primary).build().toByteArray());
    await(() -> {
      try {
        return primary.equals(JdbcTesting.query(admin,
            "SELECT primary_node FROM sys.shards WHERE shard_id = " + shardId).get(0).get(0));
      } catch (Exception e) {
        return false;
      }
    }, "the frontend sees " + primary + " as primary");
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }
}

package io.tessera.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.sql.exec.StatementTimestamps;
import io.tessera.sql.testing.JdbcTesting;
import io.tessera.sql.testing.LocalClusterFixture;
import io.tessera.sql.testing.StandInNode;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which read timestamp statements send: {@code read_ts = 0} (the latest state, no timestamp
 * oracle) for an autocommit statement whose only shard scan reaches one shard; one timestamp from
 * the oracle, shared by all its scans, otherwise; and that an autocommit write to one shard asks
 * no timestamp either ({@code commit_ts = 0}), naming the snapshot it read its rows at instead.
 * Observed on a stand-in node that records the scans and writes it forwards, with
 * {@value StatementTimestamps#LATEST_PROPERTY} on.
 */
class SingleShardStatementsSkipTheTimestampOracleTest {
  private static LocalClusterFixture cluster;
  private static StandInNode recorder;
  private static Connection c;
  private static String previous;

  @BeforeAll static void start() throws Exception {
    previous = System.setProperty(StatementTimestamps.LATEST_PROPERTY, "true");
    cluster = LocalClusterFixture.start(1);
    c = cluster.connect();
    JdbcTesting.execute(c, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)) SHARDS 4");
    recorder = StandInNode.forwarding("recorder", cluster.zkConnect(), cluster.clusterName(),
        cluster.nodes().get(0).address());
    try (CuratorFramework zk = CuratorFrameworkFactory.builder()
        .connectString(cluster.zkConnect()).namespace(ZkPaths.namespace(cluster.clusterName()))
        .retryPolicy(new ExponentialBackoffRetry(100, 3)).build()) {
      zk.start();
      zk.blockUntilConnected(10, TimeUnit.SECONDS);
      for (List<Object> r : JdbcTesting.query(c,
          "SELECT shard_id FROM sys.shards WHERE table_name = 'T'")) {
        String path = ZkPaths.shardState((Long) r.get(0));
        ShardState s = ShardState.parseFrom(zk.getData().forPath(path));
        zk.setData().forPath(path, s.toBuilder().setPrimary(recorder.nodeId()).build()
            .toByteArray());
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!JdbcTesting.query(c, "SELECT COUNT(*) FROM sys.shards WHERE table_name = 'T'"
        + " AND primary_node <> 'recorder'").get(0).get(0).equals(0L)) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @AfterAll static void stop() throws Exception {
    if (previous == null) {
      System.clearProperty(StatementTimestamps.LATEST_PROPERTY);
    } else {
      System.setProperty(StatementTimestamps.LATEST_PROPERTY, previous);
    }
    c.close();
    recorder.close();
    cluster.close();
  }

  @BeforeEach void forget() throws Exception {
    c.setAutoCommit(true);
    recorder.scans.clear();
    recorder.writes.clear();
  }

  @Test void pointSelectReadsTheLatestStateOfItsShard() throws Exception {
    JdbcTesting.query(c, "SELECT v FROM t WHERE id = 1");
    assertThat(recorder.scans).extracting(ScanRequest::getReadTs).containsExactly(0L);
  }

  @Test void statementReadingSeveralShardsReadsOneSnapshotFromTheOracle() throws Exception {
    JdbcTesting.query(c, "SELECT COUNT(*) FROM t");
    assertThat(recorder.scans).hasSize(4);
    long ts = recorder.scans.get(0).getReadTs();
    assertThat(ts).isPositive();
    assertThat(recorder.scans).extracting(ScanRequest::getReadTs).containsOnly(ts);
  }

  @Test void statementWithTwoScansOfOneShardReadsOneSnapshotFromTheOracle() throws Exception {
    JdbcTesting.query(c, "SELECT a.v, b.v FROM t a JOIN t b ON a.id = b.id WHERE a.id = 1");
    assertThat(recorder.scans).hasSize(2);
    long ts = recorder.scans.get(0).getReadTs();
    assertThat(ts).isPositive();
    assertThat(recorder.scans).extracting(ScanRequest::getReadTs).containsOnly(ts);
  }

  @Test void singleShardReadOutsideAutocommitTakesATimestamp() throws Exception {
    c.setAutoCommit(false);
    JdbcTesting.query(c, "SELECT v FROM t WHERE id = 1");
    c.commit();
    assertThat(recorder.scans).hasSize(1);
    assertThat(recorder.scans.get(0).getReadTs()).isPositive();
  }

  @Test void anUpdateOfOneShardReadsTheLatestStateAndTheShardChoosesItsCommitTimestamp()
      throws Exception {
    JdbcTesting.execute(c, "INSERT INTO t VALUES (1, 'a')");
    recorder.scans.clear();
    recorder.writes.clear();
    JdbcTesting.execute(c, "UPDATE t SET v = 'x' WHERE id = 1");
    assertThat(recorder.scans).extracting(ScanRequest::getReadTs).containsExactly(0L);
    assertThat(recorder.writes).hasSize(1);
    WriteRequest write = recorder.writes.get(0);
    assertThat(write.getCommitTs()).isZero();
    // The write names the snapshot the shard resolved the read to: a concurrent update of the
    // row after it fails the write with 40001 instead of being overwritten.
    assertThat(write.getReadTs()).isPositive();
    JdbcTesting.execute(c, "DELETE FROM t WHERE id = 1");
  }

  @Test void aWriteOfRowsReadAtAnOracleTimestampNamesThatTimestamp() throws Exception {
    JdbcTesting.execute(c, "INSERT INTO t VALUES (2, 'b')");
    recorder.scans.clear();
    recorder.writes.clear();
    JdbcTesting.execute(c, "UPDATE t SET v = 'y' WHERE v = 'b'"); // scans every shard
    assertThat(recorder.scans).hasSize(4);
    long ts = recorder.scans.get(0).getReadTs();
    assertThat(ts).isPositive();
    assertThat(recorder.writes).extracting(WriteRequest::getReadTs).containsExactly(ts);
    assertThat(recorder.writes).extracting(WriteRequest::getCommitTs).containsExactly(0L);
    JdbcTesting.execute(c, "DELETE FROM t WHERE id = 2");
  }

  @Test void insertValuesIsABlindWriteWithoutATimestamp() throws Exception {
    JdbcTesting.execute(c, "INSERT INTO t VALUES (3, 'c')");
    assertThat(recorder.scans).isEmpty();
    assertThat(recorder.writes).hasSize(1);
    assertThat(recorder.writes.get(0).getCommitTs()).isZero();
    assertThat(recorder.writes.get(0).getReadTs()).isZero();
    JdbcTesting.execute(c, "DELETE FROM t WHERE id = 3");
  }
}

package io.tessera.sql.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Channel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tessera.protocol.proto.RowBatch;
import java.net.InetSocketAddress;
import java.util.Iterator;
import io.tessera.node.ShardNode;
import io.tessera.node.ShardNodeConfig;
import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.meta.ShardHash;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.Call;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Fragment;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.Op;
import io.tessera.protocol.proto.OpenReplicaRequest;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.ShardStrategy;
import io.tessera.protocol.proto.SortKey;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.Value;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.route.FailoverBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.calcite.linq4j.Enumerator;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scan executor against two real shard nodes (in memory, no ZooKeeper): parallel shard
 * streams with flow control, k-way merge, offset/fetch, pruning by shard key, re-routing after a
 * stale epoch, and 08006 when a node is down.
 */
class ShardScannerTest {
  private static final int ROWS = 1000;
  private static final int SHARDS = 4;

  private final TableSchema table = TableSchema.newBuilder().setTableId(7).setName("T")
      .addColumns(ColumnDef.newBuilder().setName("ID").setType(ColumnType.BIGINT))
      .addColumns(ColumnDef.newBuilder().setName("G").setType(ColumnType.INTEGER)
          .setNullable(true))
      .addColumns(ColumnDef.newBuilder().setName("S").setType(ColumnType.VARCHAR)
          .setNullable(true))
      .addPrimaryKey(0).addShardKey(0).setStrategy(ShardStrategy.HASH).setShardCount(SHARDS)
      .setVersion(1).build();

  private ShardNode a;
  private ShardNode b;
  /**
   * A stand-in primary: answers a Scan with the first 5 rows node b sends for it (whatever the
   * read timestamp), then stalls without ending the stream.
   */
  private Server halfway;
  private final AtomicInteger halfwayScans = new AtomicInteger();
  private ShardChannels channels;
  private FakeCluster cluster;

  @BeforeEach void start() throws Exception {
    a = new ShardNode(ShardNodeConfig.inMemory().withNodeId("a").withHost("127.0.0.1")).start();
    b = new ShardNode(ShardNodeConfig.inMemory().withNodeId("b").withHost("127.0.0.1")).start();
    channels = new ShardChannels();
    cluster = new FakeCluster();
    halfway = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new ShardServiceGrpc.ShardServiceImplBase() {
          @Override public void scan(ScanRequest r, StreamObserver<RowBatch> out) {
            halfwayScans.incrementAndGet();
            Iterator<RowBatch> real = stub("b").scan(r.toBuilder()
                .setReadTs(r.getReadTs() == 0 ? 20 : r.getReadTs()).build());
            List<com.google.protobuf.ByteString> rows = new ArrayList<>();
            while (real.hasNext() && rows.size() < 5) {
              rows.addAll(real.next().getRowsList());
            }
            out.onNext(RowBatch.newBuilder().addAllRows(rows.subList(0, Math.min(5,
                rows.size()))).build());
            // and nothing more: a stopped process
          }
        }).build().start();
    for (int i = 0; i < SHARDS; i++) {
      ShardNode node = i % 2 == 0 ? a : b;
      ShardState s = ShardState.newBuilder().setShardId(100 + i).setTableId(7).setEpoch(1)
          .setPrimary(node.nodeId()).addReplicas(node.nodeId()).addSyncSet(node.nodeId())
          .setHashLo(ShardHash.rangeStart(i, SHARDS)).setHashHi(ShardHash.rangeEnd(i, SHARDS))
          .setOrdinal(i).build();
      AdminResponse r = stub(node.nodeId()).openReplica(
          OpenReplicaRequest.newBuilder().setShard(s).setTable(table).build());
      assertThat(r.getError().getCode().getNumber()).isZero();
      cluster.shards.add(s);
    }
    Map<Integer, List<Mutation>> byShard = new HashMap<>();
    RowCodec codec = RowCodec.of(table);
    for (long id = 1; id <= ROWS; id++) {
      Object[] row = {id, (int) (id % 10), id % 7 == 0 ? null : "s" + id};
      byShard.computeIfAbsent(owner(id), k -> new ArrayList<>()).add(Mutation.newBuilder()
          .setKind(Mutation.Kind.INSERT)
          .setRow(com.google.protobuf.ByteString.copyFrom(codec.encode(row))).build());
    }
    byShard.forEach((ordinal, mutations) -> {
      ShardState s = cluster.shards.get(ordinal);
      WriteResponse w = stub(s.getPrimary()).write(WriteRequest.newBuilder()
          .setShard(ShardRef.newBuilder().setShardId(s.getShardId()).setEpoch(1))
          .setCommitTs(10).addAllMutations(mutations).setClientId("test").setSeq(ordinal + 1)
          .setSchemaVersion(1).build());
      assertThat(w.getError().getCode().getNumber()).isZero();
      assertThat(w.getApplied()).isEqualTo(mutations.size());
    });
  }

  @AfterEach void stop() {
    halfway.shutdownNow();
    channels.close();
    a.close();
    b.close();
  }

  private int owner(long id) {
    long hash = ShardHash.hash(KeyCodec.encodeTuple(new ColumnType[] {ColumnType.BIGINT},
        new Object[] {id}));
    for (int i = 0; i < SHARDS; i++) {
      if (ShardHash.contains(ShardHash.rangeStart(i, SHARDS), ShardHash.rangeEnd(i, SHARDS),
          hash)) {
        return i;
      }
    }
    throw new AssertionError();
  }

  private ShardServiceGrpc.ShardServiceBlockingStub stub(String nodeId) {
    return ShardServiceGrpc.newBlockingStub(channels.channel(nodeId.equals("a") ? a.address()
        : b.address()));
  }

  private ScanSpec spec(Fragment fragment, @Nullable List<Object[]> keys, long offset,
      long fetch, int batchRows) {
    ScanRequest request = ScanRequest.newBuilder().setFragment(fragment).setBatchRows(batchRows)
        .build();
    return new ScanSpec(table, request, keys, offset, fetch,
        new ColumnType[] {ColumnType.BIGINT, ColumnType.INTEGER, ColumnType.VARCHAR}, false);
  }

  private static List<Object[]> drain(Enumerator<Object> e) {
    List<Object[]> rows = new ArrayList<>();
    try (e) {
      while (e.moveNext()) {
        rows.add((Object[]) e.current());
      }
    }
    return rows;
  }

  private static final ScanOptions OPTIONS = new ScanOptions(Duration.ofSeconds(20), 2,
      new FailoverBudget(Duration.ofSeconds(5)));

  @Test void everyShardIsReadInParallelWithSmallBatches() {
    List<Object[]> rows = drain(ShardScanner.open(cluster,
        spec(Fragment.getDefaultInstance(), null, 0, -1, 7), 20, OPTIONS));
    assertThat(rows).hasSize(ROWS);
    assertThat(rows.stream().map(r -> r[0]).distinct().count()).isEqualTo(ROWS);
    Object[] some = rows.stream().filter(r -> (Long) r[0] == 14L).findFirst().orElseThrow();
    assertThat(some).containsExactly(14L, 4, null);
  }

  @Test void snapshotBeforeTheWritesIsEmpty() {
    assertThat(drain(ShardScanner.open(cluster,
        spec(Fragment.getDefaultInstance(), null, 0, -1, 0), 5, OPTIONS))).isEmpty();
  }

  @Test void sortedShardStreamsAreMergedThenOffsetAndFetchApply() {
    Fragment f = Fragment.newBuilder()
        .addSort(SortKey.newBuilder().setColumn(0).setDescending(true)).setLimit(25).build();
    List<Object[]> rows = drain(ShardScanner.open(cluster, spec(f, null, 5, 20, 0), 20,
        OPTIONS));
    assertThat(rows).hasSize(20);
    for (int i = 0; i < 20; i++) {
      assertThat(rows.get(i)[0]).isEqualTo((long) (ROWS - 5 - i));
    }
  }

  @Test void sortOnNullableColumnPutsNullsWhereAsked() {
    Fragment f = Fragment.newBuilder()
        .addSort(SortKey.newBuilder().setColumn(2).setNullsFirst(true))
        .addSort(SortKey.newBuilder().setColumn(0)).build();
    List<Object[]> rows = drain(ShardScanner.open(cluster, spec(f, null, 0, -1, 50), 20,
        OPTIONS));
    assertThat(rows).hasSize(ROWS);
    long nulls = ROWS / 7;
    for (int i = 0; i < nulls; i++) {
      assertThat(rows.get(i)[2]).isNull();
    }
    for (int i = (int) nulls + 1; i < ROWS; i++) {
      assertThat(((String) rows.get(i - 1)[2]).compareTo((String) rows.get(i)[2]))
          .isLessThanOrEqualTo(0);
    }
  }

  @Test void shardKeyValuesTargetOnlyTheirShards() {
    Expr eq = Expr.newBuilder().setType(ColumnType.BOOLEAN).setCall(Call.newBuilder()
        .setOp(Op.EQ)
        .addOperands(Expr.newBuilder().setColumn(0).setType(ColumnType.BIGINT))
        .addOperands(Expr.newBuilder().setType(ColumnType.BIGINT)
            .setLiteral(Value.newBuilder().setLongValue(321)))).build();
    ScanSpec spec = spec(Fragment.newBuilder().setFilter(eq).build(),
        List.<Object[]>of(new Object[] {321L}), 0, -1, 0);
    assertThat(ShardScanner.targets(cluster, spec)).extracting(ShardState::getOrdinal)
        .containsExactly(owner(321));
    List<Object[]> rows = drain(ShardScanner.open(cluster, spec, 20, OPTIONS));
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0)[0]).isEqualTo(321L);
  }

  @Test void closingEarlyCancelsTheShardCalls() {
    Enumerator<Object> e = ShardScanner.open(cluster,
        spec(Fragment.getDefaultInstance(), null, 0, -1, 1), 20, OPTIONS);
    assertThat(e.moveNext()).isTrue();
    e.close();
    assertThat(e.moveNext()).isFalse();
    // The nodes still serve new scans.
    assertThat(drain(ShardScanner.open(cluster,
        spec(Fragment.getDefaultInstance(), null, 0, 10, 0), 20, OPTIONS))).hasSize(10);
  }

  @Test void staleEpochRefreshesTheRouteAndRetries() {
    ShardState real = cluster.shards.get(1);
    cluster.shards.set(1, real.toBuilder().setEpoch(0).build());
    cluster.onRefresh = () -> cluster.shards.set(1, real);
    List<Object[]> rows = drain(ShardScanner.open(cluster,
        spec(Fragment.getDefaultInstance(), null, 0, -1, 0), 20, OPTIONS));
    assertThat(rows).hasSize(ROWS);
    assertThat(cluster.refreshes.get()).isPositive();
  }

  @Test void downNodeIsAConnectionFailureNamingShardAndNode() {
    b.close();
    assertThatThrownBy(() -> drain(ShardScanner.open(cluster,
        spec(Fragment.getDefaultInstance(), null, 0, -1, 0), 20,
        new ScanOptions(Duration.ofSeconds(5), 2,
            new FailoverBudget(Duration.ofMillis(500))))))
        .isInstanceOf(TesseraException.class)
        .satisfies(t -> {
          assertThat(((TesseraException) t).sqlState()).isEqualTo("08006");
          assertThat(t.getMessage()).contains("shard").contains("node b");
        });
  }

  @Test void scanAtATimestampResumesOnTheNewPrimaryAfterRowsWereReturned() throws Exception {
    List<Object[]> expected = drain(ShardScanner.open(cluster, spec(Fragment.getDefaultInstance(),
        null, 0, -1, 0), 20, OPTIONS));
    routeShardOneHalfway();
    List<Object[]> rows = drain(ShardScanner.open(cluster,
        spec(Fragment.getDefaultInstance(), null, 0, -1, 0), 20, OPTIONS));
    assertThat(halfwayScans.get()).isEqualTo(1);
    assertThat(rows).hasSize(ROWS);
    assertThat(rows.stream().map(r -> r[0]).distinct().count()).isEqualTo(ROWS);
    assertThat(rows.stream().map(r -> r[0]).toList())
        .isEqualTo(expected.stream().map(r -> r[0]).toList());
  }

  @Test void scanOfTheLatestStateFailsIfItsPrimaryChangesAfterRowsWereReturned()
      throws Exception {
    routeShardOneHalfway();
    // Only shard 1, so its rows are handed out before the route changes.
    Object[] key = firstKeyOf(1);
    ScanSpec spec = spec(Fragment.getDefaultInstance(), List.<Object[]>of(key), 0, -1, 0);
    assertThatThrownBy(() -> drain(ShardScanner.open(cluster, spec, 0, OPTIONS)))
        .isInstanceOf(TesseraException.class)
        .satisfies(t -> {
          assertThat(((TesseraException) t).sqlState()).isEqualTo("08006");
          assertThat(t.getMessage()).contains("cannot resume");
        });
  }

  /**
   * Routes shard 1 to the stand-in that sends the first rows of node b's answer and then
   * stalls; moves the route back to b 300 ms later (the failover the stream must notice).
   */
  private void routeShardOneHalfway() {
    ShardState real = cluster.shards.get(1);
    cluster.shards.set(1, real.toBuilder().setPrimary("halfway").build());
    Thread mover = new Thread(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        return;
      }
      cluster.shards.set(1, real);
    });
    mover.setDaemon(true);
    mover.start();
  }

  private Object[] firstKeyOf(int ordinal) {
    for (long id = 1; id <= ROWS; id++) {
      if (owner(id) == ordinal) {
        return new Object[] {id};
      }
    }
    throw new AssertionError();
  }

  /** Metadata held in memory; channels to the two nodes. */
  private final class FakeCluster implements ReadCluster {
    final List<ShardState> shards = new ArrayList<>();
    final AtomicInteger refreshes = new AtomicInteger();
    Runnable onRefresh = () -> { };

    @Override public @Nullable TableSchema table(String name) {
      return name.equals(table.getName()) ? table : null;
    }

    @Override public List<ShardState> shards(long tableId) {
      return new ArrayList<>(shards);
    }

    @Override public @Nullable Channel channel(String nodeId) {
      return channels.channel(describeNode(nodeId));
    }

    @Override public boolean isLive(String nodeId) {
      return true;
    }

    @Override public String describeNode(String nodeId) {
      return nodeId.equals("a") ? a.address() : nodeId.equals("b") ? b.address()
          : "127.0.0.1:" + halfway.getPort();
    }

    @Override public void refresh() {
      refreshes.incrementAndGet();
      onRefresh.run();
    }

    @Override public long nextTimestamp() {
      return 20;
    }
  }
}

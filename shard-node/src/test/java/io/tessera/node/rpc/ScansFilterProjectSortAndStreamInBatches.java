package io.tessera.node.rpc;

import static io.tessera.node.NodeFixture.call;
import static io.tessera.node.NodeFixture.column;
import static io.tessera.node.NodeFixture.fragment;
import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.lit;
import static io.tessera.node.NodeFixture.scanRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tessera.node.NodeFixture;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.KeyBound;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.Op;
import io.tessera.protocol.proto.RowBatch;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.SortKey;
import io.tessera.protocol.codec.Values;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ScansFilterProjectSortAndStreamInBatches {
    static final int N = 20_000;
    static NodeFixture f;

    static Integer qtyOf(long id) {
        return id % 10 == 0 ? null : (int) (id * 7919 % 1000);
    }

    @BeforeAll
    static void load() throws Exception {
        f = NodeFixture.inMemory();
        f.open(NodeFixture.defaultSchema());
        List<Mutation> batch = new ArrayList<>();
        for (long id = 1; id <= N; id++) {
            batch.add(insert(item(id, "name-" + id, qtyOf(id), (id % 100) + ".25", null)));
            if (batch.size() == 2000) {
                assertThat(f.write(10, batch.toArray(new Mutation[0])).hasError()).isFalse();
                batch.clear();
            }
        }
    }

    @AfterAll
    static void close() throws Exception {
        f.close();
    }

    @Test
    void fullScanStreamsEveryRowInSeveralBatches() {
        long t0 = System.nanoTime();
        NodeFixture.ScanResult r = f.scan(scanRequest(20).setBatchRows(1000).build(), NodeFixture.TYPES);
        long micros = (System.nanoTime() - t0) / 1000;
        assertThat(r.error()).isNull();
        assertThat(r.rows()).hasSize(N);
        assertThat(r.batches()).isGreaterThanOrEqualTo(N / 1000);
        assertThat(r.ids()).isSorted();
        System.out.printf("full scan of %d rows: %d ms (%.0f rows/s), %d batches%n", N, micros / 1000,
                N * 1e6 / micros, r.batches());
    }

    @Test
    void filterAndProjectionAreEvaluatedOnTheShard() {
        // WHERE QTY > 500 AND NAME LIKE 'name-1%'  →  SELECT ID, QTY * 2 AS Q2, PRICE + 1
        ScanRequest req = scanRequest(20).setBatchRows(256).setFragment(fragment()
                .setFilter(call(Op.AND, ColumnType.BOOLEAN,
                        call(Op.GT, ColumnType.BOOLEAN, column(2), lit(ColumnType.INTEGER, 500)),
                        call(Op.LIKE, ColumnType.BOOLEAN, column(1), lit(ColumnType.VARCHAR, "name-1%"))))
                .addProjections(column(0))
                .addProjections(call(Op.TIMES, ColumnType.BIGINT, column(2), lit(ColumnType.INTEGER, 2)))
                .addProjections(call(Op.PLUS, ColumnType.DECIMAL, column(3), lit(ColumnType.INTEGER, 1)))).build();
        NodeFixture.ScanResult r = f.scan(req, new ColumnType[] {ColumnType.BIGINT, ColumnType.BIGINT, ColumnType.DECIMAL});
        List<Long> expected = LongStream.rangeClosed(1, N)
                .filter(id -> qtyOf(id) != null && qtyOf(id) > 500 && ("name-" + id).startsWith("name-1"))
                .boxed().collect(Collectors.toList());
        assertThat(r.ids()).isEqualTo(expected);
        assertThat(r.batches()).isGreaterThan(1);
        Object[] first = r.rows().get(0);
        long id = (Long) first[0];
        assertThat(first[1]).isEqualTo(2L * qtyOf(id));
        assertThat((BigDecimal) first[2]).isEqualByComparingTo(new BigDecimal((id % 100) + ".25").add(BigDecimal.ONE));
    }

    @Test
    void sortWithLimitReturnsTheTopRowsOfTheShard() {
        // ORDER BY QTY DESC NULLS LAST, ID LIMIT 25 on projection (ID, QTY)
        ScanRequest req = scanRequest(20).setFragment(fragment()
                .addProjections(column(0)).addProjections(column(2))
                .addSort(SortKey.newBuilder().setColumn(1).setDescending(true).setNullsFirst(false))
                .addSort(SortKey.newBuilder().setColumn(0))
                .setLimit(25)).build();
        NodeFixture.ScanResult r = f.scan(req, new ColumnType[] {ColumnType.BIGINT, ColumnType.INTEGER});
        List<long[]> expected = LongStream.rangeClosed(1, N).filter(id -> qtyOf(id) != null)
                .mapToObj(id -> new long[] {id, qtyOf(id)})
                .sorted(Comparator.<long[]>comparingLong(a -> -a[1]).thenComparingLong(a -> a[0]))
                .limit(25).collect(Collectors.toList());
        assertThat(r.rows()).hasSize(25);
        for (int i = 0; i < 25; i++) {
            assertThat(r.rows().get(i)[0]).isEqualTo(expected.get(i)[0]);
            assertThat(((Number) r.rows().get(i)[1]).longValue()).isEqualTo(expected.get(i)[1]);
        }
    }

    @Test
    void sortWithoutLimitPutsNullsWhereAsked() {
        ScanRequest req = scanRequest(20).setBatchRows(3000).setFragment(fragment()
                .addProjections(column(2)).addProjections(column(0))
                .addSort(SortKey.newBuilder().setColumn(0).setNullsFirst(true))
                .addSort(SortKey.newBuilder().setColumn(1).setDescending(true))).build();
        NodeFixture.ScanResult r = f.scan(req, new ColumnType[] {ColumnType.INTEGER, ColumnType.BIGINT});
        assertThat(r.rows()).hasSize(N);
        assertThat(r.rows().get(0)[0]).isNull();
        assertThat(r.rows().get(0)[1]).isEqualTo((long) N);
        List<Integer> qtys = r.rows().stream().skip(N / 10).map(x -> (Integer) x[0]).collect(Collectors.toList());
        assertThat(qtys).doesNotContainNull().isSorted();
        assertThat(r.batches()).isGreaterThan(1);
    }

    @Test
    void limitWithoutSortStopsEarly() {
        NodeFixture.ScanResult r = f.scan(scanRequest(20).setFragment(fragment().setLimit(10)).build(), NodeFixture.TYPES);
        assertThat(r.ids()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    }

    @Test
    void primaryKeyRangesHonourInclusiveAndExclusiveBounds() {
        KeyBound lo = KeyBound.newBuilder().addValues(Values.toProto(ColumnType.BIGINT, 100L)).setInclusive(false).build();
        KeyBound hi = KeyBound.newBuilder().addValues(Values.toProto(ColumnType.BIGINT, 105L)).setInclusive(true).build();
        assertThat(f.scan(scanRequest(20).setLower(lo).setUpper(hi).build(), NodeFixture.TYPES).ids())
                .containsExactly(101L, 102L, 103L, 104L, 105L);
        lo = lo.toBuilder().setInclusive(true).build();
        hi = hi.toBuilder().setInclusive(false).build();
        assertThat(f.scan(scanRequest(20).setLower(lo).setUpper(hi).build(), NodeFixture.TYPES).ids())
                .containsExactly(100L, 101L, 102L, 103L, 104L);
        assertThat(f.scan(scanRequest(20).setUpper(KeyBound.newBuilder().addValues(Values.toProto(ColumnType.BIGINT, 3L)))
                .build(), NodeFixture.TYPES).ids()).containsExactly(1L, 2L);
    }

    @Test
    void anEvaluationErrorEndsTheStreamWithAnError() {
        ScanRequest req = scanRequest(20).setFragment(fragment()
                .addProjections(call(Op.DIVIDE, ColumnType.INTEGER, column(2), call(Op.MINUS, ColumnType.INTEGER,
                        column(2), column(2))))).build();
        NodeFixture.ScanResult r = f.scan(req, new ColumnType[] {ColumnType.INTEGER});
        assertThat(r.error().getCode()).isEqualTo(Error.Code.BAD_REQUEST);
        assertThat(r.error().getSqlState()).isEqualTo("22012");
    }

    @Test
    void anUnsupportedOperationIsRejectedBeforeScanning() {
        ScanRequest req = scanRequest(20).setFragment(fragment()
                .setFilter(call(Op.OP_UNSPECIFIED, ColumnType.BOOLEAN, column(2)))).build();
        NodeFixture.ScanResult r = f.scan(req, NodeFixture.TYPES);
        assertThat(r.rows()).isEmpty();
        assertThat(r.error().getSqlState()).isEqualTo("0A000");
    }

    @Test
    void aSlowClientIsServedUnderFlowControlAndMayCancel() throws Exception {
        // The client asks for one batch at a time and cancels after three; the server must stop.
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger received = new AtomicInteger();
        ShardServiceGrpc.ShardServiceStub async = ShardServiceGrpc.newStub(f.channel);
        List<ClientCallStreamObserver<ScanRequest>> streams = new ArrayList<>();
        async.scan(scanRequest(20).setBatchRows(100).build(), new ClientResponseObserver<ScanRequest, RowBatch>() {
            ClientCallStreamObserver<ScanRequest> requestStream;

            @Override
            public void beforeStart(ClientCallStreamObserver<ScanRequest> rs) {
                requestStream = rs;
                streams.add(rs);
                rs.disableAutoInboundFlowControl();
            }

            @Override
            public void onNext(RowBatch value) {
                if (received.incrementAndGet() == 3) {
                    requestStream.cancel("enough", null);
                    done.countDown();
                } else {
                    requestStream.request(1);
                }
            }

            @Override
            public void onError(Throwable t) {
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        streams.get(0).request(1);
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200);
        assertThat(received.get()).as("nothing arrives after the cancel; 200 batches were available")
                .isBetween(3, 4);
        // the node still serves
        assertThat(f.scan(scanRequest(20).setFragment(fragment().setLimit(1)).build(), NodeFixture.TYPES).rows()).hasSize(1);
    }
}

package io.tessera.sql.planner;

import io.tessera.protocol.meta.ShardHash;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.ShardStrategy;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.schema.ShardedTable;
import java.util.ArrayList;
import java.util.List;

/** Table schemas and shard maps for planning tests (no cluster). */
final class TestTables {
  private TestTables() {}

  static ColumnDef col(String name, ColumnType type, boolean nullable) {
    return ColumnDef.newBuilder().setName(name).setType(type).setNullable(nullable).build();
  }

  static List<ShardState> shards(long tableId, int n) {
    List<ShardState> shards = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      shards.add(ShardState.newBuilder().setShardId(tableId * 100 + i).setTableId(tableId)
          .setEpoch(1).setPrimary("n" + (i % 3)).setOrdinal(i)
          .setHashLo(ShardHash.rangeStart(i, n)).setHashHi(ShardHash.rangeEnd(i, n)).build());
    }
    return shards;
  }

  /** ORDERS(ID BIGINT PK, CUSTOMER INTEGER, STATUS VARCHAR(10), AMOUNT DECIMAL(10,2),
   * CREATED TIMESTAMP, NOTE VARCHAR), 8 hash shards on ID, index ORDERS_BY_CUSTOMER(CUSTOMER). */
  static ShardedTable orders() {
    TableSchema schema = TableSchema.newBuilder().setTableId(1).setName("ORDERS")
        .addColumns(col("ID", ColumnType.BIGINT, false))
        .addColumns(col("CUSTOMER", ColumnType.INTEGER, false))
        .addColumns(col("STATUS", ColumnType.VARCHAR, true).toBuilder().setPrecision(10))
        .addColumns(col("AMOUNT", ColumnType.DECIMAL, true).toBuilder().setPrecision(10)
            .setScale(2))
        .addColumns(col("CREATED", ColumnType.TIMESTAMP, true))
        .addColumns(col("NOTE", ColumnType.VARCHAR, true))
        .addPrimaryKey(0).addShardKey(0)
        .setStrategy(ShardStrategy.HASH).setShardCount(8)
        .addIndexes(IndexDef.newBuilder().setIndexId(1).setName("ORDERS_BY_CUSTOMER")
            .addColumns(1))
        .setVersion(1)
        .build();
    return ShardedTable.of(schema, shards(1, 8));
  }

  /** LINES(ORDER_ID BIGINT, LINE INTEGER, ITEM VARCHAR, QTY INTEGER), PK (ORDER_ID, LINE),
   * sharded by ORDER_ID in 4 shards. */
  static ShardedTable lines() {
    TableSchema schema = TableSchema.newBuilder().setTableId(2).setName("LINES")
        .addColumns(col("ORDER_ID", ColumnType.BIGINT, false))
        .addColumns(col("LINE", ColumnType.INTEGER, false))
        .addColumns(col("ITEM", ColumnType.VARCHAR, true))
        .addColumns(col("QTY", ColumnType.INTEGER, true))
        .addPrimaryKey(0).addPrimaryKey(1).addShardKey(0)
        .setStrategy(ShardStrategy.HASH).setShardCount(4).setVersion(1)
        .build();
    return ShardedTable.of(schema, shards(2, 4));
  }

  /** EVENTS(NAME VARCHAR, V DOUBLE) without a primary key: hidden row id, 4 shards on it. */
  static ShardedTable events() {
    TableSchema schema = TableSchema.newBuilder().setTableId(3).setName("EVENTS")
        .addColumns(col("NAME", ColumnType.VARCHAR, true))
        .addColumns(col("V", ColumnType.DOUBLE, true))
        .addColumns(col("_ROWID", ColumnType.BIGINT, false).toBuilder().setHidden(true))
        .addPrimaryKey(2).addShardKey(2)
        .setStrategy(ShardStrategy.HASH).setShardCount(4).setVersion(1)
        .build();
    return ShardedTable.of(schema, shards(3, 4));
  }
}

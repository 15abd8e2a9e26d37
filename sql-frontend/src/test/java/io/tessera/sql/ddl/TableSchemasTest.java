package io.tessera.sql.ddl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.parser.SqlCreateTesseraTable;
import io.tessera.sql.parser.TesseraSqlParser;
import org.junit.jupiter.api.Test;

/** CREATE TABLE statements become the TableSchema the coordinator stores. */
class TableSchemasTest {
  private static TableSchema schema(String sql, int liveNodes) throws Exception {
    return TableSchemas.of((SqlCreateTesseraTable) TesseraSqlParser.parse(sql), liveNodes);
  }

  private static String stateOf(String sql) {
    try {
      schema(sql, 3);
    } catch (TesseraException e) {
      return e.sqlState();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no error for " + sql);
  }

  @Test void columnsKeysDefaultsAndUniqueConstraints() throws Exception {
    TableSchema t = schema("CREATE TABLE t (a INT, b VARCHAR(10) NOT NULL DEFAULT 'x',"
        + " c DECIMAL(8, 2) UNIQUE, d FLOAT, e TEXT, PRIMARY KEY (b, a))"
        + " SHARD BY HASH (a) SHARDS 7 REPLICAS 2", 3);
    assertThat(t.getName()).isEqualTo("T");
    assertThat(t.getColumnsList()).extracting(ColumnDef::getName)
        .containsExactly("A", "B", "C", "D", "E");
    assertThat(t.getColumnsList()).extracting(ColumnDef::getType).containsExactly(
        ColumnType.INTEGER, ColumnType.VARCHAR, ColumnType.DECIMAL, ColumnType.DOUBLE,
        ColumnType.VARCHAR);
    assertThat(t.getColumns(0).getNullable()).isFalse(); // primary key column
    assertThat(t.getColumns(1).getDefaultSql()).isEqualTo("'x'");
    assertThat(t.getColumns(2).getPrecision()).isEqualTo(8);
    assertThat(t.getColumns(2).getScale()).isEqualTo(2);
    assertThat(t.getColumns(4).getPrecision()).isZero();
    assertThat(t.getPrimaryKeyList()).containsExactly(1, 0);
    assertThat(t.getShardKeyList()).containsExactly(0);
    assertThat(t.getShardCount()).isEqualTo(7);
    assertThat(t.getReplicationFactor()).isEqualTo(2);
    assertThat(t.getIndexesList()).hasSize(1);
    assertThat(t.getIndexes(0).getName()).isEqualTo("UQ_T_C");
    assertThat(t.getIndexes(0).getUnique()).isTrue();
    assertThat(t.getIndexes(0).getColumnsList()).containsExactly(2);
  }

  @Test void withoutPrimaryKeyAHiddenRowIdIsTheKey() throws Exception {
    TableSchema t = schema("CREATE TABLE log (msg VARCHAR(100))", 2);
    assertThat(t.getColumnsCount()).isEqualTo(2);
    ColumnDef rowId = t.getColumns(1);
    assertThat(rowId.getName()).isEqualTo(TableSchemas.ROW_ID);
    assertThat(rowId.getHidden()).isTrue();
    assertThat(rowId.getType()).isEqualTo(ColumnType.BIGINT);
    assertThat(t.getPrimaryKeyList()).containsExactly(1);
    assertThat(t.getShardKeyList()).containsExactly(1);
    assertThat(t.getShardCount()).isEqualTo(6); // 3 per live node
    // No REPLICAS clause: 0, the coordinator's configured default.
    assertThat(t.getReplicationFactor()).isZero();
  }

  @Test void defaultShardCountIsBounded() {
    assertThat(TableSchemas.defaultShardCount(0)).isEqualTo(1);
    assertThat(TableSchemas.defaultShardCount(1)).isEqualTo(3);
    assertThat(TableSchemas.defaultShardCount(1000)).isEqualTo(TableSchemas.MAX_DEFAULT_SHARDS);
  }

  @Test void rejectedDefinitionsHaveSqlStates() {
    assertThat(stateOf("CREATE TABLE t (a INT PRIMARY KEY, b INT) SHARD BY HASH (b)"))
        .isEqualTo("42000");
    assertThat(stateOf("CREATE TABLE t (a INT, b INT) SHARD BY HASH (b)")).isEqualTo("42000");
    assertThat(stateOf("CREATE TABLE t (a INT PRIMARY KEY) SHARD BY RANGE (a)"))
        .isEqualTo("0A000");
    assertThat(stateOf("CREATE TABLE t (a INT PRIMARY KEY, b INT DEFAULT a)"))
        .isEqualTo("42000");
    assertThat(stateOf("CREATE TABLE t (a INT PRIMARY KEY, b TIMESTAMP WITH LOCAL TIME ZONE)"))
        .isEqualTo("0A000");
    assertThatThrownBy(() -> schema("CREATE TABLE t (a INT PRIMARY KEY) REPLICATED", 1))
        .isInstanceOf(TesseraException.class);
  }
}

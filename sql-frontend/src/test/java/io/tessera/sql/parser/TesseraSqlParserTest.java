package io.tessera.sql.parser;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.ddl.SqlCreateView;
import org.apache.calcite.sql.ddl.SqlDropObject;
import org.apache.calcite.sql.ddl.SqlDropTable;
import org.apache.calcite.sql.dialect.CalciteSqlDialect;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.type.SqlTypeName;
import org.junit.jupiter.api.Test;

import io.tessera.sql.parser.impl.TesseraSqlParserImpl;

class TesseraSqlParserTest {

  private static SqlNode parse(String sql) throws SqlParseException {
    return TesseraSqlParser.parse(sql);
  }

  /** Parses, unparses, re-parses: the second unparse must equal the first. */
  private static SqlNode roundTrip(String sql) throws SqlParseException {
    SqlNode node = parse(sql);
    String once = node.toSqlString(CalciteSqlDialect.DEFAULT).getSql();
    SqlNode again = parse(once);
    assertThat(again.getClass()).isEqualTo(node.getClass());
    assertThat(again.toSqlString(CalciteSqlDialect.DEFAULT).getSql()).isEqualTo(once);
    return node;
  }

  private static SqlParseException parseError(String sql) {
    try {
      SqlNode node = parse(sql);
      throw new AssertionError("expected a parse error for <" + sql + ">, got " + node);
    } catch (SqlParseException e) {
      return e;
    }
  }

  private static List<String> names(SqlNodeList list) {
    return list.stream().map(n -> ((SqlIdentifier) n).getSimple()).toList();
  }

  // ---------------------------------------------------------------- CREATE TABLE

  @Test void createTableAllClauses() throws Exception {
    SqlNode node = roundTrip("create table if not exists s.orders (\n"
        + "  id bigint not null,\n"
        + "  customer_id int,\n"
        + "  amount decimal(10, 2) default 0 not null,\n"
        + "  note text,\n"
        + "  code char(3) unique,\n"
        + "  name varchar(20) null,\n"
        + "  \"MixedCase\" integer,\n"
        + "  constraint pk_orders primary key (id, customer_id),\n"
        + "  constraint uq_code unique (customer_id, code),\n"
        + "  unique (name)\n"
        + ") shard by hash (customer_id) shards 16 replicas 3");
    assertThat(node).isInstanceOf(SqlCreateTesseraTable.class);
    assertThat(node.getKind()).isEqualTo(SqlKind.CREATE_TABLE);
    assertThat(node.getKind().belongsTo(SqlKind.DDL)).isTrue();
    SqlCreateTesseraTable t = (SqlCreateTesseraTable) node;
    assertThat(t.ifNotExists).isTrue();
    assertThat(t.getReplace()).isFalse();
    assertThat(t.name.names).containsExactly("S", "ORDERS");
    assertThat(t.columnNames())
        .containsExactly("ID", "CUSTOMER_ID", "AMOUNT", "NOTE", "CODE", "NAME", "MixedCase");
    assertThat(t.elementList).hasSize(10);
    assertThat(t.constraints).hasSize(3);

    SqlColumnDef id = t.column("ID");
    assertThat(id.nullable).isFalse();
    assertThat(id.dataType.getNullable()).isFalse();
    assertThat(id.sqlTypeName()).isEqualTo(SqlTypeName.BIGINT);
    assertThat(id.defaultValue).isNull();
    assertThat(id.primaryKey).isFalse();

    SqlColumnDef cust = t.column("CUSTOMER_ID");
    assertThat(cust.nullable).isTrue();
    assertThat(cust.sqlTypeName()).isEqualTo(SqlTypeName.INTEGER);
    assertThat(t.isNullable(cust)).isFalse(); // part of the primary key

    SqlColumnDef amount = t.column("AMOUNT");
    assertThat(amount.sqlTypeName()).isEqualTo(SqlTypeName.DECIMAL);
    assertThat(amount.precision()).isEqualTo(10);
    assertThat(amount.scale()).isEqualTo(2);
    assertThat(amount.nullable).isFalse();
    assertThat(amount.defaultValue).isInstanceOf(SqlLiteral.class);
    assertThat(((SqlLiteral) amount.defaultValue).intValue(true)).isEqualTo(0);

    SqlColumnDef note = t.column("NOTE");
    assertThat(note.sqlTypeName()).isEqualTo(SqlTypeName.VARCHAR);
    assertThat(note.precision()).isEqualTo(RelDataType.PRECISION_NOT_SPECIFIED);
    assertThat(note.nullable).isTrue();
    assertThat(t.isNullable(note)).isTrue();

    SqlColumnDef code = t.column("CODE");
    assertThat(code.sqlTypeName()).isEqualTo(SqlTypeName.CHAR);
    assertThat(code.precision()).isEqualTo(3);
    assertThat(code.unique).isTrue();

    SqlColumnDef name = t.column("NAME");
    assertThat(name.sqlTypeName()).isEqualTo(SqlTypeName.VARCHAR);
    assertThat(name.precision()).isEqualTo(20);
    assertThat(name.nullable).isTrue();
    assertThat(t.column("MixedCase")).isNotNull();

    SqlTableConstraint pk = t.primaryKey();
    assertThat(pk.type).isEqualTo(SqlTableConstraint.Type.PRIMARY_KEY);
    assertThat(pk.constraintName()).isEqualTo("PK_ORDERS");
    assertThat(t.primaryKeyColumnNames()).containsExactly("ID", "CUSTOMER_ID");

    List<SqlTableConstraint> uniques = t.uniqueConstraints();
    assertThat(uniques).hasSize(3);
    assertThat(uniques.get(0).name).isNull();
    assertThat(uniques.get(0).columnNames()).containsExactly("CODE"); // column-level
    assertThat(uniques.get(1).constraintName()).isEqualTo("UQ_CODE");
    assertThat(uniques.get(1).columnNames()).containsExactly("CUSTOMER_ID", "CODE");
    assertThat(uniques.get(2).name).isNull();
    assertThat(uniques.get(2).columnNames()).containsExactly("NAME");

    assertThat(t.shardStrategy).isEqualTo(SqlCreateTesseraTable.ShardStrategy.HASH);
    assertThat(t.shardColumnNames()).containsExactly("CUSTOMER_ID");
    assertThat(t.shardCount).isEqualTo(16);
    assertThat(t.replicas).isEqualTo(3);
    assertThat(t.replicated).isFalse();
    assertThat(t.colocateWith).isNull();
    assertThat(t.query).isNull();
  }

  @Test void createTableAllTypes() throws Exception {
    SqlCreateTesseraTable t = (SqlCreateTesseraTable) roundTrip("CREATE TABLE types ("
        + "c1 BOOLEAN, c2 TINYINT, c3 SMALLINT, c4 INT, c5 INTEGER, c6 BIGINT,"
        + " c7 DECIMAL(12,3), c8 NUMERIC(5), c9 DECIMAL, c10 REAL, c11 FLOAT, c12 DOUBLE,"
        + " c13 DOUBLE PRECISION, c14 CHAR(4), c15 VARCHAR(100), c16 TEXT, c17 BINARY(16),"
        + " c18 VARBINARY(64), c19 DATE, c20 TIME, c21 TIMESTAMP, c22 CHARACTER VARYING(7),"
        + " c23 VARCHAR)");
    Object[][] expected = {
        {"C1", SqlTypeName.BOOLEAN, -1, Integer.MIN_VALUE},
        {"C2", SqlTypeName.TINYINT, -1, Integer.MIN_VALUE},
        {"C3", SqlTypeName.SMALLINT, -1, Integer.MIN_VALUE},
        {"C4", SqlTypeName.INTEGER, -1, Integer.MIN_VALUE},
        {"C5", SqlTypeName.INTEGER, -1, Integer.MIN_VALUE},
        {"C6", SqlTypeName.BIGINT, -1, Integer.MIN_VALUE},
        {"C7", SqlTypeName.DECIMAL, 12, 3},
        {"C8", SqlTypeName.DECIMAL, 5, Integer.MIN_VALUE},
        {"C9", SqlTypeName.DECIMAL, -1, Integer.MIN_VALUE},
        {"C10", SqlTypeName.REAL, -1, Integer.MIN_VALUE},
        {"C11", SqlTypeName.FLOAT, -1, Integer.MIN_VALUE},
        {"C12", SqlTypeName.DOUBLE, -1, Integer.MIN_VALUE},
        {"C13", SqlTypeName.DOUBLE, -1, Integer.MIN_VALUE},
        {"C14", SqlTypeName.CHAR, 4, Integer.MIN_VALUE},
        {"C15", SqlTypeName.VARCHAR, 100, Integer.MIN_VALUE},
        {"C16", SqlTypeName.VARCHAR, -1, Integer.MIN_VALUE},
        {"C17", SqlTypeName.BINARY, 16, Integer.MIN_VALUE},
        {"C18", SqlTypeName.VARBINARY, 64, Integer.MIN_VALUE},
        {"C19", SqlTypeName.DATE, -1, Integer.MIN_VALUE},
        {"C20", SqlTypeName.TIME, -1, Integer.MIN_VALUE},
        {"C21", SqlTypeName.TIMESTAMP, -1, Integer.MIN_VALUE},
        {"C22", SqlTypeName.VARCHAR, 7, Integer.MIN_VALUE},
        {"C23", SqlTypeName.VARCHAR, -1, Integer.MIN_VALUE},
    };
    assertThat(t.columns).hasSize(expected.length);
    for (Object[] e : expected) {
      SqlColumnDef c = t.column((String) e[0]);
      assertThat(c).as((String) e[0]).isNotNull();
      assertThat(c.sqlTypeName()).as(c + " type").isEqualTo(e[1]);
      assertThat(c.precision()).as(c + " precision").isEqualTo(e[2]);
      assertThat(c.scale()).as(c + " scale").isEqualTo(e[3]);
      assertThat(c.nullable).isTrue();
    }
    // TEXT unparses as TEXT
    assertThat(t.toSqlString(CalciteSqlDialect.DEFAULT).getSql()).contains("\"C16\" TEXT");
    assertThat(t.primaryKey()).isNull();
    assertThat(t.primaryKeyColumnNames()).isEmpty();
    assertThat(t.shardStrategy).isNull();
    assertThat(t.shardColumns).isNull();
    assertThat(t.shardColumnNames()).isEmpty();
    assertThat(t.shardCount).isNull();
    assertThat(t.replicas).isNull();
    assertThat(t.ifNotExists).isFalse();
  }

  @Test void columnLevelPrimaryKeyAndModifiersInAnyOrder() throws Exception {
    SqlCreateTesseraTable t = (SqlCreateTesseraTable) roundTrip(
        "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10) UNIQUE NOT NULL DEFAULT 'x',"
            + " w INT DEFAULT 1 + 2, ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP NULL,"
            + " n INT DEFAULT -1 NOT NULL)");
    assertThat(t.primaryKeyColumnNames()).containsExactly("ID");
    assertThat(t.primaryKey().name).isNull();
    assertThat(t.column("ID").primaryKey).isTrue();
    assertThat(t.column("ID").nullable).isTrue();
    assertThat(t.isNullable(t.column("ID"))).isFalse();
    SqlColumnDef v = t.column("V");
    assertThat(v.unique).isTrue();
    assertThat(v.nullable).isFalse();
    assertThat(((SqlLiteral) v.defaultValue).getValueAs(String.class)).isEqualTo("x");
    assertThat(t.column("W").defaultValue).isInstanceOf(SqlBasicCall.class);
    assertThat(t.column("W").defaultValue.getKind()).isEqualTo(SqlKind.PLUS);
    assertThat(t.column("TS").defaultValue.toString()).isEqualTo("CURRENT_TIMESTAMP");
    assertThat(t.column("TS").nullable).isTrue();
    assertThat(t.column("N").nullable).isFalse();
    assertThat(t.column("N").defaultValue.toString()).isEqualTo("-1");
    assertThat(t.uniqueConstraints()).extracting(SqlTableConstraint::columnNames)
        .containsExactly(List.of("V"));
  }

  @Test void shardingClauses() throws Exception {
    SqlCreateTesseraTable t = (SqlCreateTesseraTable) roundTrip(
        "CREATE TABLE t (a INT, b INT, PRIMARY KEY (a, b)) SHARDS 4");
    assertThat(t.shardStrategy).isNull();
    assertThat(t.shardCount).isEqualTo(4);
    assertThat(t.primaryKey().name).isNull();
    assertThat(t.primaryKeyColumnNames()).containsExactly("A", "B");

    t = (SqlCreateTesseraTable) roundTrip(
        "CREATE TABLE t (a INT, b INT, PRIMARY KEY (a, b)) SHARD BY RANGE (b, a)");
    assertThat(t.shardStrategy).isEqualTo(SqlCreateTesseraTable.ShardStrategy.RANGE);
    assertThat(t.shardColumnNames()).containsExactly("B", "A");
    assertThat(t.shardCount).isNull();

    // strategy keyword omitted = HASH; clauses in any order
    t = (SqlCreateTesseraTable) roundTrip(
        "CREATE TABLE t (a INT PRIMARY KEY, b INT) REPLICAS 2 SHARD BY (b) SHARDS 8");
    assertThat(t.shardStrategy).isEqualTo(SqlCreateTesseraTable.ShardStrategy.HASH);
    assertThat(t.shardColumnNames()).containsExactly("B");
    assertThat(t.shardCount).isEqualTo(8);
    assertThat(t.replicas).isEqualTo(2);

    t = (SqlCreateTesseraTable) roundTrip(
        "CREATE TABLE countries (code CHAR(2) PRIMARY KEY, name TEXT) REPLICATED");
    assertThat(t.replicated).isTrue();
    assertThat(t.shardStrategy).isNull();

    t = (SqlCreateTesseraTable) roundTrip("CREATE TABLE lines (order_id BIGINT, line INT,"
        + " PRIMARY KEY (order_id, line)) SHARD BY HASH (order_id) COLOCATE WITH s.orders");
    assertThat(t.colocateWith.names).containsExactly("S", "ORDERS");
  }

  @Test void createTableAsQuery() throws Exception {
    SqlCreateTesseraTable t = (SqlCreateTesseraTable) roundTrip(
        "CREATE TABLE t2 AS SELECT a, b FROM t WHERE a > 1");
    assertThat(t.elementList).isNull();
    assertThat(t.columns).isEmpty();
    assertThat(t.query).isInstanceOf(SqlSelect.class);

    t = (SqlCreateTesseraTable) roundTrip(
        "CREATE TABLE t2 (x, y) SHARD BY HASH (x) SHARDS 2 AS SELECT a, b FROM t");
    assertThat(t.columnNames()).containsExactly("X", "Y");
    assertThat(t.column("X").dataType).isNull();
    assertThat(t.column("X").sqlTypeName()).isNull();
    assertThat(t.shardColumnNames()).containsExactly("X");
    assertThat(t.query.getKind()).isEqualTo(SqlKind.SELECT);

    t = (SqlCreateTesseraTable) roundTrip(
        "CREATE TABLE t3 (x INT PRIMARY KEY, y TEXT) AS VALUES (1, 'a')");
    assertThat(t.query.getKind()).isEqualTo(SqlKind.VALUES);
  }

  @Test void dropTable() throws Exception {
    SqlNode node = roundTrip("drop table s.t");
    assertThat(node).isInstanceOf(SqlDropTable.class);
    assertThat(node.getKind()).isEqualTo(SqlKind.DROP_TABLE);
    SqlDropTable d = (SqlDropTable) node;
    assertThat(d.ifExists).isFalse();
    assertThat(d.name.names).containsExactly("S", "T");

    d = (SqlDropTable) roundTrip("DROP TABLE IF EXISTS t");
    assertThat(d.ifExists).isTrue();
    assertThat(d.name.getSimple()).isEqualTo("T");
  }

  // ---------------------------------------------------------------- INDEX

  @Test void createIndex() throws Exception {
    SqlCreateIndex i = (SqlCreateIndex) roundTrip("create index idx_c on s.orders (customer_id)");
    assertThat(i.getKind()).isEqualTo(SqlKind.CREATE_INDEX);
    assertThat(i.getKind().belongsTo(SqlKind.DDL)).isTrue();
    assertThat(i.unique).isFalse();
    assertThat(i.ifNotExists).isFalse();
    assertThat(i.indexName()).isEqualTo("IDX_C");
    assertThat(i.table.names).containsExactly("S", "ORDERS");
    assertThat(i.columnNames()).containsExactly("CUSTOMER_ID");

    i = (SqlCreateIndex) roundTrip("CREATE UNIQUE INDEX IF NOT EXISTS u ON t (a, \"b\")");
    assertThat(i.unique).isTrue();
    assertThat(i.ifNotExists).isTrue();
    assertThat(i.columnNames()).containsExactly("A", "b");
  }

  @Test void dropIndex() throws Exception {
    SqlDropIndex d = (SqlDropIndex) roundTrip("DROP INDEX idx");
    assertThat(d.getKind()).isEqualTo(SqlKind.DROP_INDEX);
    assertThat(d.getKind().belongsTo(SqlKind.DDL)).isTrue();
    assertThat(d.ifExists).isFalse();
    assertThat(d.indexName()).isEqualTo("IDX");
    assertThat(d.table).isNull();

    d = (SqlDropIndex) roundTrip("DROP INDEX IF EXISTS s.idx ON s.t");
    assertThat(d.ifExists).isTrue();
    assertThat(d.name.names).containsExactly("S", "IDX");
    assertThat(d.table.names).containsExactly("S", "T");
  }

  // ---------------------------------------------------------------- VIEW

  @Test void views() throws Exception {
    SqlCreateView v = (SqlCreateView) roundTrip("CREATE VIEW v AS SELECT a FROM t");
    assertThat(v.getKind()).isEqualTo(SqlKind.CREATE_VIEW);
    assertThat(v.getReplace()).isFalse();
    assertThat(v.name.getSimple()).isEqualTo("V");
    assertThat(v.columnList).isNull();
    assertThat(v.query.getKind()).isEqualTo(SqlKind.SELECT);

    v = (SqlCreateView) roundTrip(
        "CREATE OR REPLACE VIEW s.v (x, y) AS SELECT a, b FROM t ORDER BY a");
    assertThat(v.getReplace()).isTrue();
    assertThat(v.name.names).containsExactly("S", "V");
    assertThat(names(v.columnList)).containsExactly("X", "Y");
    assertThat(v.query.getKind()).isEqualTo(SqlKind.ORDER_BY);

    SqlNode d = roundTrip("DROP VIEW IF EXISTS v");
    assertThat(d.getKind()).isEqualTo(SqlKind.DROP_VIEW);
    assertThat(((SqlDropObject) d).ifExists).isTrue();
    assertThat(((SqlDropObject) d).name.getSimple()).isEqualTo("V");
    d = parse("DROP VIEW v");
    assertThat(((SqlDropObject) d).ifExists).isFalse();
  }

  // ---------------------------------------------------------------- standard SQL still works

  @Test void standardStatements() throws Exception {
    assertThat(roundTrip("SELECT a, COUNT(*) FROM t JOIN u ON t.id = u.id WHERE a > 1"
        + " GROUP BY a HAVING COUNT(*) > 2 ORDER BY a DESC LIMIT 10").getKind())
        .isEqualTo(SqlKind.ORDER_BY);
    assertThat(roundTrip("WITH x AS (SELECT 1 AS a) SELECT * FROM x").getKind())
        .isEqualTo(SqlKind.WITH);
    assertThat(roundTrip("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')").getKind())
        .isEqualTo(SqlKind.INSERT);
    assertThat(roundTrip("INSERT INTO t SELECT * FROM u").getKind()).isEqualTo(SqlKind.INSERT);
    assertThat(roundTrip("UPDATE t SET a = a + 1, b = 'z' WHERE id = 5").getKind())
        .isEqualTo(SqlKind.UPDATE);
    assertThat(roundTrip("DELETE FROM t WHERE id IN (1, 2)").getKind())
        .isEqualTo(SqlKind.DELETE);
    assertThat(roundTrip("MERGE INTO t USING u ON t.id = u.id"
        + " WHEN MATCHED THEN UPDATE SET a = u.a"
        + " WHEN NOT MATCHED THEN INSERT (id, a) VALUES (u.id, u.a)").getKind())
        .isEqualTo(SqlKind.MERGE);
    assertThat(parse("EXPLAIN PLAN FOR SELECT * FROM t WHERE a = 1").getKind())
        .isEqualTo(SqlKind.EXPLAIN);
    assertThat(parse("EXPLAIN PLAN FOR INSERT INTO t VALUES (1)").getKind())
        .isEqualTo(SqlKind.EXPLAIN);
    assertThat(roundTrip("SELECT CAST(a AS TEXT), CAST(b AS VARCHAR(5)) FROM t").getKind())
        .isEqualTo(SqlKind.SELECT);
    assertThat(parse("VALUES 1").getKind()).isEqualTo(SqlKind.VALUES);
    assertThat(parse("SELECT * FROM t WHERE a IS NOT NULL AND b NOT IN (1, 2)").getKind())
        .isEqualTo(SqlKind.SELECT);
  }

  @Test void statementList() throws Exception {
    SqlNodeList list = TesseraSqlParser.parseList(
        "CREATE TABLE t (a INT PRIMARY KEY) SHARDS 2; INSERT INTO t VALUES (1);"
            + " CREATE INDEX i ON t (a); SELECT * FROM t; DROP INDEX i; DROP TABLE t");
    assertThat(list).hasSize(6);
    assertThat(list.get(0)).isInstanceOf(SqlCreateTesseraTable.class);
    assertThat(list.get(2)).isInstanceOf(SqlCreateIndex.class);
    assertThat(list.get(4)).isInstanceOf(SqlDropIndex.class);
    assertThat(list.get(5)).isInstanceOf(SqlDropTable.class);
  }

  @Test void newKeywordsRemainIdentifiers() throws Exception {
    SqlSelect select = (SqlSelect) roundTrip(
        "SELECT hash, text, shard, shards, replicas, replicated, colocate, index, if"
            + " FROM hash AS text WHERE shard = 1");
    assertThat(select.getSelectList()).extracting(n -> ((SqlIdentifier) n).getSimple())
        .containsExactly("HASH", "TEXT", "SHARD", "SHARDS", "REPLICAS", "REPLICATED",
            "COLOCATE", "INDEX", "IF");

    SqlCreateTesseraTable t = (SqlCreateTesseraTable) roundTrip(
        "CREATE TABLE shard (hash BIGINT PRIMARY KEY, text TEXT, shards INT, replicas INT,"
            + " \"index\" INT, if INT, key INT) SHARD BY HASH (hash) SHARDS 3");
    assertThat(t.name.getSimple()).isEqualTo("SHARD");
    assertThat(t.columnNames())
        .containsExactly("HASH", "TEXT", "SHARDS", "REPLICAS", "index", "IF", "KEY");
    assertThat(t.column("TEXT").sqlTypeName()).isEqualTo(SqlTypeName.VARCHAR);
    assertThat(t.shardColumnNames()).containsExactly("HASH");

    // tables and indexes named like the IF of IF [NOT] EXISTS
    t = (SqlCreateTesseraTable) roundTrip("CREATE TABLE if (a INT)");
    assertThat(t.name.getSimple()).isEqualTo("IF");
    assertThat(t.ifNotExists).isFalse();
    t = (SqlCreateTesseraTable) parse("CREATE TABLE IF NOT EXISTS if (a INT)");
    assertThat(t.name.getSimple()).isEqualTo("IF");
    assertThat(t.ifNotExists).isTrue();
    SqlDropTable d = (SqlDropTable) parse("DROP TABLE if");
    assertThat(d.name.getSimple()).isEqualTo("IF");
    assertThat(d.ifExists).isFalse();
    SqlCreateIndex i = (SqlCreateIndex) parse("CREATE INDEX if ON text (hash)");
    assertThat(i.indexName()).isEqualTo("IF");
    assertThat(i.table.getSimple()).isEqualTo("TEXT");

    assertThat(roundTrip("INSERT INTO shard (hash, text) VALUES (1, 'a')").getKind())
        .isEqualTo(SqlKind.INSERT);
    assertThat(roundTrip("UPDATE shard SET text = 'b' WHERE hash = 1").getKind())
        .isEqualTo(SqlKind.UPDATE);
  }

  @Test void casing() throws Exception {
    SqlCreateTesseraTable t = (SqlCreateTesseraTable) parse(
        "CrEaTe TaBlE Foo (Id InT pRiMaRy KeY, \"Bar\" TeXt) ShArD bY hAsH (Id) sHaRdS 2");
    assertThat(t.name.getSimple()).isEqualTo("FOO");
    assertThat(t.columnNames()).containsExactly("ID", "Bar");
    assertThat(t.primaryKeyColumnNames()).containsExactly("ID");
  }

  @Test void worksWithAPlainSqlParserConfig() throws Exception {
    SqlParser.Config config = SqlParser.config()
        .withParserFactory(TesseraSqlParserImpl.FACTORY);
    SqlNode node = SqlParser.create("create table t (a int primary key) shards 3", config)
        .parseStmt();
    assertThat(((SqlCreateTesseraTable) node).shardCount).isEqualTo(3);
    assertThat(TesseraSqlParser.factory((ctx, n) -> { }).getParser(
        new java.io.StringReader("x"))).isInstanceOf(TesseraSqlParserImpl.class);
  }

  // ---------------------------------------------------------------- errors

  @Test void syntaxErrorsHavePositions() {
    SqlParseException e = parseError("CREATE TABLE t (a INT,)");
    assertThat(e.getPos()).isNotNull();
    assertThat(e.getPos().getLineNum()).isEqualTo(1);
    assertThat(e.getPos().getColumnNum()).isEqualTo(23);

    e = parseError("CREATE TABLE t (\n  a INT\n) SHARDS");
    assertThat(e.getPos().getLineNum()).isEqualTo(3);

    e = parseError("CREATE TABLE t (a INT) SHARD BY HASH a");
    assertThat(e.getPos().getColumnNum()).isEqualTo(38);

    assertThat(parseError("CREATE INDEX i ON t ()").getPos()).isNotNull();
    assertThat(parseError("CREATE INDEX i ON t").getPos()).isNotNull();
    assertThat(parseError("DROP INDEX").getPos()).isNotNull();
    assertThat(parseError("CREATE TABLE t (a FOO BAR)").getPos()).isNotNull();
    assertThat(parseError("CREATE TABLE t (a INT) SHARDS x").getPos()).isNotNull();
    assertThat(parseError("SELEC 1").getPos()).isNotNull();
    assertThat(parseError("DROP TABLE IF EXISTS").getPos()).isNotNull();
  }

  @Test void semanticErrorsHavePositions() {
    SqlParseException e =
        parseError("CREATE TABLE t (a INT PRIMARY KEY,\n b INT PRIMARY KEY)");
    assertThat(e.getMessage()).contains("Multiple primary keys");
    assertThat(e.getPos().getLineNum()).isEqualTo(2);

    e = parseError("CREATE TABLE t (a INT PRIMARY KEY, b INT, PRIMARY KEY (b))");
    assertThat(e.getMessage()).contains("Multiple primary keys");

    e = parseError("CREATE TABLE t (a INT, b INT, PRIMARY KEY (a, c))");
    assertThat(e.getMessage()).contains("Unknown column C in PRIMARY KEY");
    assertThat(e.getPos().getColumnNum()).isEqualTo(47);

    assertThat(parseError("CREATE TABLE t (a INT, UNIQUE (z))").getMessage())
        .contains("Unknown column Z in UNIQUE");
    assertThat(parseError("CREATE TABLE t (a INT) SHARD BY HASH (z)").getMessage())
        .contains("Unknown column Z in SHARD BY");
    assertThat(parseError("CREATE TABLE t (a INT, A INT)").getMessage())
        .contains("Duplicate column name A");
    assertThat(parseError("CREATE TABLE t (a INT, PRIMARY KEY (a, a))").getMessage())
        .contains("appears twice");
    assertThat(parseError("CREATE TABLE t (a INT) SHARDS 0").getMessage())
        .contains("SHARDS must be at least 1");
    assertThat(parseError("CREATE TABLE t (a INT) REPLICAS 0").getMessage())
        .contains("REPLICAS must be at least 1");
    assertThat(parseError("CREATE TABLE t (a INT) SHARDS 2 SHARDS 3").getMessage())
        .contains("Duplicate SHARDS");
    assertThat(parseError("CREATE TABLE t (a INT) SHARD BY (a) SHARD BY (a)").getMessage())
        .contains("Duplicate SHARD BY");
    assertThat(parseError("CREATE TABLE t (a INT) REPLICATED SHARDS 2").getMessage())
        .contains("REPLICATED");
    assertThat(parseError("CREATE TABLE t (a INT NOT NULL NULL)").getMessage())
        .contains("NOT NULL");
    assertThat(parseError("CREATE TABLE t (a)").getMessage()).contains("has no type");
    assertThat(parseError("CREATE TABLE t").getMessage()).contains("column list");
    assertThat(parseError("CREATE TABLE t (PRIMARY KEY (a))").getMessage())
        .contains("declares no columns");
    e = parseError("CREATE OR REPLACE TABLE t (a INT)");
    assertThat(e.getMessage()).contains("OR REPLACE");
    assertThat(e.getPos()).isNotNull();
    assertThat(parseError("CREATE OR REPLACE INDEX i ON t (a)").getMessage())
        .contains("OR REPLACE");
    assertThat(parseError("CREATE INDEX i ON t (a, a)").getMessage()).contains("twice");
  }

  // ---------------------------------------------------------------- unparse

  @Test void unparse() throws Exception {
    SqlNode t = parse("create table if not exists t (id int not null default 0 primary key,"
        + " s text unique, constraint u unique (s, id)) shard by range (id) shards 4"
        + " replicas 2");
    assertThat(t.toSqlString(CalciteSqlDialect.DEFAULT).getSql().replaceAll("\\s+", " "))
        .isEqualTo("CREATE TABLE IF NOT EXISTS \"T\" (\"ID\" INTEGER NOT NULL DEFAULT 0"
            + " PRIMARY KEY, \"S\" TEXT UNIQUE, CONSTRAINT \"U\" UNIQUE (\"S\", \"ID\"))"
            + " SHARD BY RANGE (\"ID\") SHARDS 4 REPLICAS 2");
    assertThat(parse("create unique index if not exists i on t (a, b)")
        .toSqlString(CalciteSqlDialect.DEFAULT).getSql())
        .isEqualTo("CREATE UNIQUE INDEX IF NOT EXISTS \"I\" ON \"T\" (\"A\", \"B\")");
    assertThat(parse("drop index if exists i on t").toSqlString(CalciteSqlDialect.DEFAULT)
        .getSql()).isEqualTo("DROP INDEX IF EXISTS \"I\" ON \"T\"");
  }

  @Test void operandsAreExposed() throws Exception {
    SqlCall t = (SqlCall) parse("CREATE TABLE t (a INT) SHARD BY (a)");
    assertThat(t.getOperandList()).hasSize(5);
    SqlColumnDef c = ((SqlCreateTesseraTable) t).columns.get(0);
    assertThat(c.getOperandList().get(1)).isInstanceOf(SqlDataTypeSpec.class);
    assertThat(c.getKind()).isEqualTo(SqlKind.COLUMN_DECL);
  }
}

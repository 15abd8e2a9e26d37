package io.tessera.sql.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParser;
import org.junit.jupiter.api.Test;

import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;

class TesseraColumnTypesTest {

  private static List<ColumnDef> defs(String sql) throws Exception {
    SqlCreateTesseraTable t = (SqlCreateTesseraTable) TesseraSqlParser.parse(sql);
    return t.columns.stream().map(c -> TesseraColumnTypes.toColumnDef(t, c)).toList();
  }

  @Test void mapsEveryStoredType() throws Exception {
    List<ColumnDef> d = defs("CREATE TABLE t (c1 BOOLEAN, c2 TINYINT, c3 SMALLINT, c4 INT,"
        + " c5 BIGINT, c6 DECIMAL(12, 3), c7 NUMERIC, c8 REAL, c9 FLOAT, c10 DOUBLE PRECISION,"
        + " c11 CHAR(4), c12 CHAR, c13 VARCHAR(100), c14 TEXT, c15 BINARY(16), c16 BINARY,"
        + " c17 VARBINARY(64), c18 VARBINARY, c19 DATE, c20 TIME, c21 TIMESTAMP(3))");
    Object[][] expected = {
        {ColumnType.BOOLEAN, 0, 0}, {ColumnType.TINYINT, 0, 0}, {ColumnType.SMALLINT, 0, 0},
        {ColumnType.INTEGER, 0, 0}, {ColumnType.BIGINT, 0, 0}, {ColumnType.DECIMAL, 12, 3},
        {ColumnType.DECIMAL, 0, 0}, {ColumnType.REAL, 0, 0}, {ColumnType.DOUBLE, 0, 0},
        {ColumnType.DOUBLE, 0, 0}, {ColumnType.CHAR, 4, 0}, {ColumnType.CHAR, 1, 0},
        {ColumnType.VARCHAR, 100, 0}, {ColumnType.VARCHAR, 0, 0}, {ColumnType.BINARY, 16, 0},
        {ColumnType.BINARY, 1, 0}, {ColumnType.VARBINARY, 64, 0}, {ColumnType.VARBINARY, 0, 0},
        {ColumnType.DATE, 0, 0}, {ColumnType.TIME, 0, 0}, {ColumnType.TIMESTAMP, 0, 0},
    };
    assertThat(d).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      ColumnDef c = d.get(i);
      assertThat(c.getName()).isEqualTo("C" + (i + 1));
      assertThat(c.getType()).as(c.getName()).isEqualTo(expected[i][0]);
      assertThat(c.getPrecision()).as(c.getName()).isEqualTo(expected[i][1]);
      assertThat(c.getScale()).as(c.getName()).isEqualTo(expected[i][2]);
      assertThat(c.getNullable()).isTrue();
      assertThat(c.getDefaultSql()).isEmpty();
      assertThat(c.getHidden()).isFalse();
    }
  }

  @Test void nullabilityAndDefaults() throws Exception {
    List<ColumnDef> d = defs("CREATE TABLE t (id BIGINT PRIMARY KEY, a INT NOT NULL DEFAULT 7,"
        + " b VARCHAR(5) DEFAULT 'it''s', c INT DEFAULT 1 + 2, d TIMESTAMP DEFAULT CURRENT_TIMESTAMP)");
    assertThat(d.get(0).getNullable()).isFalse();
    assertThat(d.get(1).getNullable()).isFalse();
    assertThat(d.get(1).getDefaultSql()).isEqualTo("7");
    assertThat(d.get(2).getNullable()).isTrue();
    assertThat(d.get(2).getDefaultSql()).isEqualTo("'it''s'");
    assertThat(d.get(3).getDefaultSql()).isEqualTo("1 + 2");
    assertThat(d.get(4).getDefaultSql()).isEqualTo("CURRENT_TIMESTAMP");
    // default_sql is parseable by a stock Calcite parser
    for (ColumnDef c : d) {
      if (!c.getDefaultSql().isEmpty()) {
        SqlNode e = SqlParser.create(c.getDefaultSql(), SqlParser.config()).parseExpression();
        assertThat(e).isNotNull();
      }
    }
  }

  @Test void rejectsOtherTypes() throws Exception {
    SqlCreateTesseraTable t = (SqlCreateTesseraTable) TesseraSqlParser.parse(
        "CREATE TABLE t (a INT,\n  b INT ARRAY, c MYTYPE, d TIMESTAMP WITH LOCAL TIME ZONE)");
    assertThat(TesseraColumnTypes.columnType(t.column("A"))).isEqualTo(ColumnType.INTEGER);
    assertThatThrownBy(() -> TesseraColumnTypes.columnType(t.column("B")))
        .isInstanceOf(CalciteContextException.class)
        .hasMessageContaining("Unsupported type")
        .satisfies(e -> assertThat(((CalciteContextException) e).getPosLine()).isEqualTo(2));
    assertThatThrownBy(() -> TesseraColumnTypes.columnType(t.column("C")))
        .hasMessageContaining("MYTYPE");
    assertThatThrownBy(() -> TesseraColumnTypes.columnType(t.column("D")))
        .hasMessageContaining("Unsupported type");
  }
}

package io.tessera.node.exec;

import static io.tessera.node.NodeFixture.call;
import static io.tessera.node.NodeFixture.column;
import static io.tessera.node.NodeFixture.lit;
import static io.tessera.node.NodeFixture.nullLit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.node.ShardException;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Op;
import java.math.BigDecimal;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;

class ExpressionsFollowSqlSemantics {
    // columns: 0 INTEGER, 1 BIGINT, 2 DECIMAL, 3 DOUBLE, 4 VARCHAR, 5 BOOLEAN, 6 DATE, 7 TIMESTAMP, 8 VARBINARY, 9 TINYINT
    static final ColumnType[] TYPES = {ColumnType.INTEGER, ColumnType.BIGINT, ColumnType.DECIMAL, ColumnType.DOUBLE,
        ColumnType.VARCHAR, ColumnType.BOOLEAN, ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.VARBINARY, ColumnType.TINYINT};
    static final Object[] ROW = {5, 5L, new BigDecimal("5.00"), 5.0, "abc", true, 19_000, 19_000 * 86_400_000L,
        new byte[] {1, 2}, (byte) 100};
    static final Object[] NULLS = new Object[TYPES.length];

    static Object eval(Expr e, Object[] row) {
        return new ExprCompiler(TYPES).compile(e).eval(row);
    }

    static Object eval(Expr e) {
        return eval(e, ROW);
    }

    static void assertSqlState(String state, ThrowableAssert.ThrowingCallable c) {
        assertThatThrownBy(c).isInstanceOf(ShardException.class)
                .satisfies(t -> assertThat(((ShardException) t).sqlState()).isEqualTo(state));
    }

    static Expr str(String s) {
        return lit(ColumnType.VARCHAR, s);
    }

    @Test
    void comparisonsPromoteAcrossNumericTypes() {
        assertThat(eval(call(Op.EQ, column(0), column(1)))).isEqualTo(true);
        assertThat(eval(call(Op.EQ, column(0), column(2)))).as("5 = 5.00").isEqualTo(true);
        assertThat(eval(call(Op.EQ, column(2), column(3)))).as("5.00 = 5.0e0").isEqualTo(true);
        assertThat(eval(call(Op.LT, column(9), column(0)))).as("100 < 5").isEqualTo(false);
        assertThat(eval(call(Op.GT, column(2), lit(ColumnType.DECIMAL, new BigDecimal("4.999"))))).isEqualTo(true);
        assertThat(eval(call(Op.LE, column(3), lit(ColumnType.DOUBLE, -0.0)))).isEqualTo(false);
        assertThat(eval(call(Op.EQ, lit(ColumnType.DOUBLE, -0.0), lit(ColumnType.DOUBLE, 0.0)))).isEqualTo(true);
        assertThat(eval(call(Op.NE, column(1), lit(ColumnType.BIGINT, 6L)))).isEqualTo(true);
    }

    @Test
    void comparisonsOfStringsBinariesAndDatetimes() {
        assertThat(eval(call(Op.LT, column(4), str("abd")))).isEqualTo(true);
        assertThat(eval(call(Op.GE, column(4), str("ab")))).isEqualTo(true);
        assertThat(eval(call(Op.GT, column(8), lit(ColumnType.VARBINARY, new byte[] {1, (byte) 0x80})))).isEqualTo(false);
        assertThat(eval(call(Op.EQ, column(6), column(7)))).as("DATE = TIMESTAMP at midnight").isEqualTo(true);
        assertThat(eval(call(Op.LT, column(6), lit(ColumnType.DATE, 19_001)))).isEqualTo(true);
        assertThat(eval(call(Op.EQ, column(5), lit(ColumnType.BOOLEAN, true)))).isEqualTo(true);
        assertSqlState("0A000", () -> eval(call(Op.EQ, column(4), column(0))));
    }

    @Test
    void nullsMakeComparisonsUnknownAndLogicIsThreeValued() {
        Expr unknown = call(Op.EQ, column(0), nullLit());
        Expr t = lit(ColumnType.BOOLEAN, true);
        Expr f = lit(ColumnType.BOOLEAN, false);
        assertThat(eval(unknown)).isNull();
        assertThat(eval(call(Op.AND, unknown, t))).isNull();
        assertThat(eval(call(Op.AND, unknown, f))).isEqualTo(false);
        assertThat(eval(call(Op.OR, unknown, t))).isEqualTo(true);
        assertThat(eval(call(Op.OR, unknown, f))).isNull();
        assertThat(eval(call(Op.NOT, unknown))).isNull();
        assertThat(eval(call(Op.IS_NULL, unknown))).isEqualTo(true);
        assertThat(eval(call(Op.IS_NOT_NULL, column(0)))).isEqualTo(true);
        assertThat(eval(call(Op.IS_TRUE, unknown))).isEqualTo(false);
        assertThat(eval(call(Op.IS_FALSE, unknown))).isEqualTo(false);
        assertThat(eval(call(Op.IS_FALSE, f))).isEqualTo(true);
        assertThat(eval(call(Op.LT, column(0), column(1)), NULLS)).isNull();
        assertSqlState("42804", () -> eval(call(Op.AND, column(0), t)));
    }

    @Test
    void arithmeticChecksOverflowAndDivisionByZero() {
        assertThat(eval(call(Op.PLUS, ColumnType.INTEGER, column(0), lit(ColumnType.INTEGER, 2)))).isEqualTo(7);
        assertThat(eval(call(Op.TIMES, column(1), column(3)))).isEqualTo(25.0);
        assertThat(eval(call(Op.DIVIDE, ColumnType.INTEGER, lit(ColumnType.INTEGER, -7), lit(ColumnType.INTEGER, 2))))
                .as("truncates toward zero").isEqualTo(-3);
        assertThat(eval(call(Op.MOD, ColumnType.INTEGER, lit(ColumnType.INTEGER, -7), lit(ColumnType.INTEGER, 2)))).isEqualTo(-1);
        Expr dec = call(Op.DIVIDE, ColumnType.DECIMAL, column(2), lit(ColumnType.INTEGER, 3));
        assertThat((BigDecimal) eval(dec.toBuilder().setPrecision(10).setScale(4).build())).isEqualByComparingTo("1.6667");
        assertThat(eval(call(Op.MINUS, ColumnType.DECIMAL, column(2), lit(ColumnType.DECIMAL, new BigDecimal("0.01")))))
                .isEqualTo(new BigDecimal("4.99"));
        assertThat(eval(call(Op.NEGATE, column(0)))).isEqualTo(-5);
        assertThat(eval(call(Op.PLUS, column(0), nullLit()))).isNull();
        assertSqlState("22003", () -> eval(call(Op.PLUS, ColumnType.INTEGER, lit(ColumnType.INTEGER, Integer.MAX_VALUE),
                lit(ColumnType.INTEGER, 1))));
        assertSqlState("22003", () -> eval(call(Op.TIMES, ColumnType.BIGINT, lit(ColumnType.BIGINT, Long.MAX_VALUE),
                lit(ColumnType.BIGINT, 2L))));
        assertSqlState("22003", () -> eval(call(Op.NEGATE, ColumnType.BIGINT, lit(ColumnType.BIGINT, Long.MIN_VALUE))));
        assertSqlState("22003", () -> eval(call(Op.PLUS, ColumnType.TINYINT, column(9), column(9))));
        assertSqlState("22003", () -> eval(call(Op.TIMES, ColumnType.DECIMAL, column(2), column(2)).toBuilder()
                .setPrecision(3).setScale(2).build()));
        assertSqlState("22012", () -> eval(call(Op.DIVIDE, column(0), lit(ColumnType.INTEGER, 0))));
        assertSqlState("22012", () -> eval(call(Op.MOD, column(2), lit(ColumnType.DECIMAL, BigDecimal.ZERO))));
        assertSqlState("22012", () -> eval(call(Op.DIVIDE, column(3), lit(ColumnType.DOUBLE, 0.0))));
        assertSqlState("0A000", () -> eval(call(Op.PLUS, column(4), column(0))));
    }

    @Test
    void likeSupportsWildcardsAndEscapes() {
        assertThat(eval(call(Op.LIKE, column(4), str("a%")))).isEqualTo(true);
        assertThat(eval(call(Op.LIKE, column(4), str("_b_")))).isEqualTo(true);
        assertThat(eval(call(Op.LIKE, column(4), str("_b")))).isEqualTo(false);
        assertThat(eval(call(Op.LIKE, column(4), str("A%")))).as("case-sensitive").isEqualTo(false);
        assertThat(eval(call(Op.LIKE, str("a.c"), str("a.c")))).as("regex characters are literal").isEqualTo(true);
        assertThat(eval(call(Op.LIKE, str("abc"), str("a.c")))).isEqualTo(false);
        assertThat(eval(call(Op.LIKE, str("100%"), str("100!%"), str("!")))).isEqualTo(true);
        assertThat(eval(call(Op.LIKE, str("1000"), str("100!%"), str("!")))).isEqualTo(false);
        assertThat(eval(call(Op.LIKE, str("a_b"), str("a!_b"), str("!")))).isEqualTo(true);
        assertThat(eval(call(Op.LIKE, str("a!b"), str("a!!b"), str("!")))).isEqualTo(true);
        assertThat(eval(call(Op.LIKE, str("line1\nline2"), str("line1%")))).isEqualTo(true);
        assertThat(eval(call(Op.LIKE, column(4), nullLit()))).isNull();
        assertThat(eval(call(Op.LIKE, column(4), column(4)))).as("a pattern from a column").isEqualTo(true);
        assertSqlState("22025", () -> eval(call(Op.LIKE, column(4), str("a!x"), str("!"))));
        assertSqlState("22019", () -> eval(call(Op.LIKE, column(4), str("a"), str("!!"))));
    }

    @Test
    void inAndBetween() {
        assertThat(eval(call(Op.IN, column(0), lit(ColumnType.INTEGER, 1), lit(ColumnType.BIGINT, 5L)))).isEqualTo(true);
        assertThat(eval(call(Op.IN, column(0), lit(ColumnType.INTEGER, 1), nullLit()))).isNull();
        assertThat(eval(call(Op.IN, column(0), lit(ColumnType.INTEGER, 1), lit(ColumnType.INTEGER, 2)))).isEqualTo(false);
        assertThat(eval(call(Op.IN, column(2), lit(ColumnType.DECIMAL, new BigDecimal("5.0"))))).isEqualTo(true);
        Expr[] many = new Expr[21];
        many[0] = column(4);
        for (int i = 1; i <= 20; i++) {
            many[i] = str("v" + i);
        }
        assertThat(eval(call(Op.IN, many))).isEqualTo(false);
        many[20] = str("abc");
        assertThat(eval(call(Op.IN, many))).isEqualTo(true);
        assertThat(eval(call(Op.BETWEEN, column(0), lit(ColumnType.INTEGER, 5), lit(ColumnType.DECIMAL, new BigDecimal("5.5")))))
                .isEqualTo(true);
        assertThat(eval(call(Op.BETWEEN, column(0), lit(ColumnType.INTEGER, 6), nullLit()))).isEqualTo(false);
        assertThat(eval(call(Op.BETWEEN, column(0), lit(ColumnType.INTEGER, 1), nullLit()))).isNull();
    }

    @Test
    void castsBetweenColumnTypes() {
        assertThat(eval(call(Op.CAST, ColumnType.INTEGER, str(" 42 ")))).isEqualTo(42);
        assertThat(eval(call(Op.CAST, ColumnType.INTEGER, lit(ColumnType.DOUBLE, -2.7)))).isEqualTo(-2);
        assertThat(eval(call(Op.CAST, ColumnType.VARCHAR, column(2)))).isEqualTo("5.00");
        assertThat(eval(call(Op.CAST, ColumnType.VARCHAR, column(6)))).isEqualTo("2022-01-08");
        assertThat(eval(call(Op.CAST, ColumnType.VARCHAR, column(7)))).isEqualTo("2022-01-08 00:00:00");
        assertThat(eval(call(Op.CAST, ColumnType.DATE, str("2022-01-08")))).isEqualTo(19_000);
        assertThat(eval(call(Op.CAST, ColumnType.TIMESTAMP, str("1970-01-02 00:00:01.5")))).isEqualTo(86_401_500L);
        assertThat(eval(call(Op.CAST, ColumnType.TIME, str("01:00:00")))).isEqualTo(3_600_000);
        assertThat(eval(call(Op.CAST, ColumnType.BOOLEAN, str("true")))).isEqualTo(true);
        assertThat(eval(call(Op.CAST, ColumnType.DOUBLE, column(2)))).isEqualTo(5.0);
        Expr toDec = call(Op.CAST, ColumnType.DECIMAL, str("3.14159")).toBuilder().setPrecision(5).setScale(2).build();
        assertThat(eval(toDec)).isEqualTo(new BigDecimal("3.14"));
        assertThat(eval(call(Op.CAST, ColumnType.CHAR, column(4)).toBuilder().setPrecision(5).build())).isEqualTo("abc  ");
        assertThat(eval(call(Op.CAST, ColumnType.VARCHAR, column(4)).toBuilder().setPrecision(2).build())).isEqualTo("ab");
        assertThat(eval(call(Op.CAST, ColumnType.DATE, column(7)))).isEqualTo(19_000);
        assertThat(eval(call(Op.CAST, ColumnType.INTEGER, nullLit()))).isNull();
        assertSqlState("22018", () -> eval(call(Op.CAST, ColumnType.INTEGER, column(4))));
        assertSqlState("22018", () -> eval(call(Op.CAST, ColumnType.DATE, column(4))));
        assertSqlState("22003", () -> eval(call(Op.CAST, ColumnType.TINYINT, column(1)).toBuilder().build(),
                new Object[] {null, 1000L, null, null, null, null, null, null, null, null}));
        assertSqlState("22003", () -> eval(call(Op.CAST, ColumnType.INTEGER, lit(ColumnType.DOUBLE, Double.NaN))));
        assertSqlState("0A000", () -> eval(call(Op.CAST, ColumnType.BOOLEAN, column(0))));
    }

    @Test
    void unsupportedOperationsAreRejectedAtCompileTime() {
        assertSqlState("0A000", () -> new ExprCompiler(TYPES).compile(call(Op.OP_UNSPECIFIED, column(0))));
        assertSqlState("0A000", () -> new ExprCompiler(TYPES).compile(call(Op.forNumber(99) == null ? Op.OP_UNSPECIFIED
                : Op.forNumber(99), column(0))));
        assertSqlState("42703", () -> new ExprCompiler(TYPES).compile(column(99)));
    }
}

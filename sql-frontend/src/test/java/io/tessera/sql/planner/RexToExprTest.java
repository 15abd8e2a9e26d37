package io.tessera.sql.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Op;
import java.math.BigDecimal;
import java.util.List;
import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.jdbc.JavaTypeFactoryImpl;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.TimestampString;
import org.junit.jupiter.api.Test;

/** RexToExpr translates what shard nodes evaluate, and refuses the rest. */
class RexToExprTest {
  private final RelDataTypeFactory types = new JavaTypeFactoryImpl();
  private final RexBuilder rex = new RexBuilder(types);
  private final RelDataType bigint = types.createSqlType(SqlTypeName.BIGINT);
  private final RelDataType integer = types.createSqlType(SqlTypeName.INTEGER);
  private final RelDataType varchar =
      types.createTypeWithNullability(types.createSqlType(SqlTypeName.VARCHAR, 20), true);
  private final RelDataType decimal = types.createSqlType(SqlTypeName.DECIMAL, 10, 2);

  private final RexNode id = rex.makeInputRef(bigint, 0);
  private final RexNode status = rex.makeInputRef(varchar, 1);
  private final RexNode amount = rex.makeInputRef(decimal, 2);
  private final RexNode qty = rex.makeInputRef(integer, 3);

  private Expr translate(RexNode e) {
    return new RexToExpr(rex, Params.UNBOUND).translate(e);
  }

  @Test void columnsLiteralsAndComparisons() {
    Expr e = translate(rex.makeCall(SqlStdOperatorTable.EQUALS, id,
        rex.makeExactLiteral(BigDecimal.valueOf(5), bigint)));
    assertThat(e.getType()).isEqualTo(ColumnType.BOOLEAN);
    assertThat(e.getCall().getOp()).isEqualTo(Op.EQ);
    assertThat(e.getCall().getOperands(0).getColumn()).isZero();
    assertThat(e.getCall().getOperands(0).getType()).isEqualTo(ColumnType.BIGINT);
    assertThat(e.getCall().getOperands(1).getLiteral().getLongValue()).isEqualTo(5);
  }

  @Test void booleanConnectivesAndNullTests() {
    RexNode e = rex.makeCall(SqlStdOperatorTable.OR,
        rex.makeCall(SqlStdOperatorTable.IS_NULL, status),
        rex.makeCall(SqlStdOperatorTable.NOT,
            rex.makeCall(SqlStdOperatorTable.LESS_THAN, qty, rex.makeExactLiteral(
                BigDecimal.ONE, integer))));
    Expr x = translate(e);
    assertThat(x.getCall().getOp()).isEqualTo(Op.OR);
    assertThat(x.getCall().getOperands(0).getCall().getOp()).isEqualTo(Op.IS_NULL);
    assertThat(x.getCall().getOperands(1).getCall().getOp()).isEqualTo(Op.NOT);
    Expr notTrue = translate(rex.makeCall(SqlStdOperatorTable.IS_NOT_TRUE,
        rex.makeCall(SqlStdOperatorTable.EQUALS, qty, rex.makeExactLiteral(BigDecimal.ONE))));
    assertThat(notTrue.getCall().getOp()).isEqualTo(Op.NOT);
    assertThat(notTrue.getCall().getOperands(0).getCall().getOp()).isEqualTo(Op.IS_TRUE);
  }

  @Test void arithmeticKeepsDecimalPrecisionAndScale() {
    Expr x = translate(rex.makeCall(SqlStdOperatorTable.MULTIPLY, amount,
        rex.makeExactLiteral(BigDecimal.valueOf(2))));
    assertThat(x.getCall().getOp()).isEqualTo(Op.TIMES);
    assertThat(x.getType()).isEqualTo(ColumnType.DECIMAL);
    assertThat(x.getScale()).isEqualTo(2);
    assertThat(translate(rex.makeCall(SqlStdOperatorTable.UNARY_MINUS, qty)).getCall().getOp())
        .isEqualTo(Op.NEGATE);
    assertThat(translate(rex.makeCall(SqlStdOperatorTable.MOD, qty,
        rex.makeExactLiteral(BigDecimal.TEN))).getCall().getOp()).isEqualTo(Op.MOD);
  }

  @Test void decimalDivisionIsLeftToCalcite() {
    RexNode div = rex.makeCall(SqlStdOperatorTable.DIVIDE, amount,
        rex.makeExactLiteral(new BigDecimal("3.0")));
    assertThat(RexToExpr.isTranslatable(rex, div)).isFalse();
    RexNode intDiv = rex.makeCall(SqlStdOperatorTable.DIVIDE, qty,
        rex.makeExactLiteral(BigDecimal.valueOf(3)));
    assertThat(translate(intDiv).getCall().getOp()).isEqualTo(Op.DIVIDE);
  }

  @Test void likeIsPushed() {
    Expr x = translate(rex.makeCall(SqlStdOperatorTable.LIKE, status, rex.makeLiteral("ab%")));
    assertThat(x.getCall().getOp()).isEqualTo(Op.LIKE);
    assertThat(x.getCall().getOperands(1).getLiteral().getStringValue()).isEqualTo("ab%");
  }

  @Test void searchOfPointsBecomesIn() {
    RexNode in = rex.makeIn(qty, List.of(
        rex.makeExactLiteral(BigDecimal.valueOf(3), integer),
        rex.makeExactLiteral(BigDecimal.valueOf(1), integer),
        rex.makeExactLiteral(BigDecimal.valueOf(2), integer)));
    Expr x = translate(in);
    assertThat(x.getCall().getOp()).isEqualTo(Op.IN);
    assertThat(x.getCall().getOperandsList()).hasSize(4);
    assertThat(x.getCall().getOperands(1).getLiteral().getLongValue()).isEqualTo(1);
  }

  @Test void searchOfRangesIsExpandedToComparisons() {
    RexNode between = rex.makeBetween(qty, rex.makeExactLiteral(BigDecimal.ONE, integer),
        rex.makeExactLiteral(BigDecimal.TEN, integer));
    Expr x = translate(between);
    assertThat(x.getCall().getOp()).isEqualTo(Op.AND);
    assertThat(x.getCall().getOperands(0).getCall().getOp()).isEqualTo(Op.GE);
    assertThat(x.getCall().getOperands(1).getCall().getOp()).isEqualTo(Op.LE);
  }

  @Test void parametersBecomeLiteralsOfTheirType() {
    RexNode e = rex.makeCall(SqlStdOperatorTable.EQUALS, id, rex.makeDynamicParam(bigint, 0));
    Expr unbound = translate(e);
    assertThat(unbound.getCall().getOperands(1).getLiteral().getKindCase())
        .isEqualTo(io.tessera.protocol.proto.Value.KindCase.KIND_NOT_SET);
    Expr bound = new RexToExpr(rex, i -> 42).translate(e);
    assertThat(bound.getCall().getOperands(1).getLiteral().getLongValue()).isEqualTo(42);
  }

  @Test void datetimeAndBinaryLiterals() {
    Expr date = translate(rex.makeDateLiteral(new DateString(2024, 2, 29)));
    assertThat(date.getType()).isEqualTo(ColumnType.DATE);
    assertThat(date.getLiteral().getLongValue()).isEqualTo(19782);
    Expr ts = translate(rex.makeTimestampLiteral(
        new TimestampString("1970-01-01 00:00:01.5"), 3));
    assertThat(ts.getLiteral().getLongValue()).isEqualTo(1500);
    Expr bin = translate(rex.makeBinaryLiteral(new ByteString(new byte[] {1, 2})));
    assertThat(bin.getLiteral().getBytesValue().toByteArray()).containsExactly(1, 2);
  }

  @Test void wideningCastsArePushedOthersAreNot() {
    RexNode widen = rex.makeCast(bigint, qty);
    assertThat(translate(widen).getCall().getOp()).isEqualTo(Op.CAST);
    RexNode narrow = rex.makeCast(integer, id);
    assertThat(RexToExpr.isTranslatable(rex, narrow)).isFalse();
    RexNode toString = rex.makeCast(types.createSqlType(SqlTypeName.VARCHAR), qty);
    assertThat(RexToExpr.isTranslatable(rex, toString)).isFalse();
  }

  @Test void functionsAreNotPushed() {
    RexNode upper = rex.makeCall(SqlStdOperatorTable.UPPER, status);
    assertThat(RexToExpr.isTranslatable(rex, upper)).isFalse();
    assertThatThrownBy(() -> translate(upper)).isInstanceOf(RexToExpr.Untranslatable.class);
  }
}

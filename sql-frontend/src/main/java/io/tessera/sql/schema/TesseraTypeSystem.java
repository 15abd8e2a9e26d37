package io.tessera.sql.schema;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeSystem;
import org.apache.calcite.rel.type.RelDataTypeSystemImpl;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * Tessera's SQL type rules, installed on every connection (connection property
 * {@code typeSystem}, see {@code FrontendDriver}): Calcite's defaults, except that aggregates
 * are typed so that they do not overflow their argument's type, as in other SQL engines.
 *
 * <ul>
 *   <li>{@code SUM} of TINYINT, SMALLINT, INTEGER or BIGINT is a BIGINT; of a DECIMAL, a DECIMAL of
 *       the maximum precision and the argument's scale (Calcite's default keeps the argument type
 *       for integers, so {@code SUM} of a SMALLINT column failed beyond 32767);</li>
 *   <li>{@code AVG} of an integer or approximate type is a DOUBLE (not truncated to the
 *       argument's integer type); of a DECIMAL, a DECIMAL of the maximum precision and the
 *       argument's scale. Calcite computes {@code AVG(x)} as {@code CAST(SUM(x) AS avgType) /
 *       COUNT(x)}, so the average's type must also hold the sum.</li>
 * </ul>
 */
public final class TesseraTypeSystem extends RelDataTypeSystemImpl {
  /** The instance, for the {@code typeSystem} connection property ({@code Class#INSTANCE}). */
  public static final RelDataTypeSystem INSTANCE = new TesseraTypeSystem();

  private TesseraTypeSystem() {}

  @Override public RelDataType deriveSumType(RelDataTypeFactory typeFactory,
      RelDataType argumentType) {
    switch (argumentType.getSqlTypeName()) {
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return withNullability(typeFactory, typeFactory.createSqlType(SqlTypeName.BIGINT),
            argumentType);
      case DECIMAL:
        return widestDecimal(typeFactory, argumentType);
      default:
        return super.deriveSumType(typeFactory, argumentType);
    }
  }

  @Override public RelDataType deriveAvgAggType(RelDataTypeFactory typeFactory,
      RelDataType argumentType) {
    switch (argumentType.getSqlTypeName()) {
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
      case REAL:
      case FLOAT:
      case DOUBLE:
        return withNullability(typeFactory, typeFactory.createSqlType(SqlTypeName.DOUBLE),
            argumentType);
      case DECIMAL:
        return widestDecimal(typeFactory, argumentType);
      default:
        return super.deriveAvgAggType(typeFactory, argumentType);
    }
  }

  private RelDataType widestDecimal(RelDataTypeFactory typeFactory, RelDataType argumentType) {
    int precision = getMaxPrecision(SqlTypeName.DECIMAL);
    int scale = Math.min(Math.max(argumentType.getScale(), 0), precision);
    return withNullability(typeFactory,
        typeFactory.createSqlType(SqlTypeName.DECIMAL, precision, scale), argumentType);
  }

  private static RelDataType withNullability(RelDataTypeFactory typeFactory, RelDataType type,
      RelDataType like) {
    return typeFactory.createTypeWithNullability(type, like.isNullable());
  }
}

package io.tessera.sql.dml;

import io.tessera.sql.schema.ShardedTable;
import org.apache.calcite.rel.core.TableModify;

/**
 * A prepared modification: the target table (as planned), the operation, the width of the
 * table's row in the input, for UPDATE the table ordinals of the assigned columns (their new
 * values follow the old row in each input row), and whether the input reads any table (an
 * {@code INSERT ... VALUES} does not, so the rows of several executions of it can be sent
 * together, see {@link BatchedInserts}).
 */
public record WritePlan(ShardedTable table, TableModify.Operation operation, int tableColumns,
    int[] updateColumns, boolean readsTables) {}

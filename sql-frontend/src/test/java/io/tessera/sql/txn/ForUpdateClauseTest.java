package io.tessera.sql.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.sql.error.TesseraException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How SELECT ... FOR UPDATE is taken apart into its query and its lock query. */
class ForUpdateClauseTest {

  @Test void statementsWithoutTheClauseAreLeftAlone() {
    assertThat(ForUpdate.of("SELECT v FROM t WHERE id = 1")).isNull();
    assertThat(ForUpdate.of("UPDATE t SET v = 'for update' WHERE id = 1")).isNull();
    assertThat(ForUpdate.of("SELECT \"FOR UPDATE\" FROM t -- for update")).isNull();
    assertThat(ForUpdate.of("EXPLAIN PLAN FOR UPDATE t SET v = 1 WHERE id = 2")).isNull();
  }

  @Test void theLockQuerySelectsTheKeysOfTheRowsTheWhereClauseSelects() {
    ForUpdate f = ForUpdate.of("SELECT v, w + 1 FROM t WHERE id = 1 AND v > 'x' for update");
    assertThat(f.query()).isEqualTo("SELECT v, w + 1 FROM t WHERE id = 1 AND v > 'x' ");
    assertThat(f.table()).isEqualTo("T");
    assertThat(f.lockParameters()).isZero();
    assertThat(f.lockQuery(List.of("ID", "K")))
        .isEqualTo("SELECT \"ID\", \"K\" FROM t WHERE id = 1 AND v > 'x'");
  }

  @Test void orderAndLimitAreLeftOutOfTheLockQueryAndParametersCounted() {
    ForUpdate f = ForUpdate.of("SELECT v\nFROM public.t AS x\nWHERE x.id BETWEEN ? AND ?\n"
        + "ORDER BY v LIMIT ?\nFOR UPDATE;");
    assertThat(f.table()).isEqualTo("T");
    assertThat(f.lockQuery(List.of("ID")))
        .isEqualTo("SELECT \"ID\" FROM public.t AS x\nWHERE x.id BETWEEN ? AND ?");
    assertThat(f.lockParameters()).isEqualTo(2);
    assertThat(ForUpdate.of("SELECT * FROM \"Mixed\" FOR UPDATE").table()).isEqualTo("Mixed");
    assertThat(ForUpdate.of("SELECT * FROM t FOR UPDATE").lockQuery(List.of("ID")))
        .isEqualTo("SELECT \"ID\" FROM t");
  }

  @Test void formsThatCannotBeLockedAreRefusedWith0A000() {
    for (String sql : List.of(
        "SELECT a.v FROM t a JOIN u b ON a.id = b.id FOR UPDATE",
        "SELECT v, COUNT(*) FROM t GROUP BY v FOR UPDATE",
        "SELECT DISTINCT v FROM t FOR UPDATE",
        "SELECT ? FROM t WHERE id = 1 FOR UPDATE",
        "SELECT v FROM t FOR UPDATE OF v",
        "SELECT v FROM t FOR UPDATE NOWAIT",
        "EXPLAIN PLAN FOR SELECT v FROM t FOR UPDATE",
        "SELECT * FROM (SELECT v FROM t) FOR UPDATE")) {
      assertThatThrownBy(() -> ForUpdate.of(sql)).as(sql).isInstanceOf(TesseraException.class)
          .satisfies(e -> assertThat(((TesseraException) e).sqlState()).isEqualTo("0A000"));
    }
  }
}

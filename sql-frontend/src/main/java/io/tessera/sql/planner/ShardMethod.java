package io.tessera.sql.planner;

import java.lang.reflect.Method;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.tree.Types;

/** Methods that generated code calls to run shard fragments. */
public enum ShardMethod {
  EXECUTE(ShardQuery.class, "execute", DataContext.class),
  EXECUTE_AS_OF(ShardQuery.class, "executeAsOf", DataContext.class, Long.class);

  public final Method method;

  ShardMethod(Class<?> clazz, String methodName, Class<?>... argumentTypes) {
    this.method = Types.lookupMethod(clazz, methodName, argumentTypes);
  }
}

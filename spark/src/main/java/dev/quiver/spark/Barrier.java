package dev.quiver.spark;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import scala.Function1;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * Runs one barrier-mode Spark job over the shards: its tasks start together, and each one runs
 * {@link Work#barrierEpoch} on its partition's shard. Spark's barrier API is Scala's only ({@code
 * RDD.barrier()}), hence this adapter.
 */
final class Barrier {
  private Barrier() {}

  static List<Sum> run(
      JavaRDD<Shard> shards, Plan plan, Broadcast<Work.Start> start, int epoch, int steps) {
    Function1<Iterator<Shard>, Iterator<Sum>> task =
        (Function1<Iterator<Shard>, Iterator<Sum>> & Serializable)
            it -> {
              Shard shard = it.hasNext() ? it.next() : null;
              Sum s = Work.barrierEpoch(plan, shard, start.value(), epoch, steps);
              return CollectionConverters.asScala(List.of(s).iterator());
            };
    RDD<Sum> out =
        shards.rdd().barrier().mapPartitions(task, false, ClassTag$.MODULE$.apply(Sum.class));
    return out.toJavaRDD().collect();
  }
}

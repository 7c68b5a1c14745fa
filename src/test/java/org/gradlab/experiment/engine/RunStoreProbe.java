package org.gradlab.experiment.engine;

import java.nio.file.Path;
import java.util.List;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.LossSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;

/** Looks up {@link #LONGEST}'s saved run in the folder given, in a JVM of its own, and prints what it found ({@code RunStoreTest}). */
final class RunStoreProbe {
    /** The longest run a study allows on the bundled digits: 1000 epochs of 250 batches. */
    static final RunSpec LONGEST = new RunSpec("p", "c", ModelSpec.article(), OptimizerSpec.adam(), new ScheduleSpec.Constant(1e-3),
            List.of(), DataSpec.Digits.DEFAULT, new LossSpec.CrossEntropy(0), 0, 1000);

    private RunStoreProbe() {
    }

    public static void main(String[] args) {
        RunStore.Found f = new RunStore(Path.of(args[0])).find(LONGEST);
        System.out.println(f.present() ? "present" : "stale: " + f.stale());
    }
}

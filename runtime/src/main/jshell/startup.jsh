// Default imports for `./quiver jshell` (loaded after JShell's DEFAULT startup).
// ./quiver leaves out imports of packages that are not built yet.
import dev.quiver.runtime.*;
import dev.quiver.runtime.backend.Devices;
import static dev.quiver.display.Display.*;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.autograd.GradCheck;
import dev.quiver.runtime.memory.Memory;
import dev.quiver.runtime.memory.MemoryScope;
import dev.quiver.dsl.*;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.layers.*;
import dev.quiver.dsl.data.*;
import dev.quiver.dsl.loss.*;
import dev.quiver.dsl.optim.*;
import dev.quiver.dsl.metrics.*;
import dev.quiver.dsl.train.*;
import dev.quiver.dsl.plot.*;
import dev.quiver.dsl.compress.*;

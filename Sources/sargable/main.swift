import SargableCLI
#if canImport(Glibc)
import Glibc
#endif

exit(Sargable.run())

global using NUnit.Framework;

// One test at a time, so each test's stretch of a recording holds only its own workload.
[assembly: Parallelizable(ParallelScope.None)]

global using NUnit.Framework;

[assembly: NUnit.Framework.Parallelizable(NUnit.Framework.ParallelScope.None)]

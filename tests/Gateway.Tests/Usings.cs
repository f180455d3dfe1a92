global using System.Net;
global using System.Text;
global using Gateway.Tests.Infrastructure;
global using Xunit;

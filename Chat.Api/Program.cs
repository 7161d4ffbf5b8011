using Chat.Api.Admin;
using Chat.Api.Applications;
using Chat.Api.Chats;
using Chat.Api.Feed;
using Chat.Api.Health;
using Chat.Api.RateLimiting;
using Chat.Api.Members;
using Chat.Api.Messages;
using Chat.Api.Realtime;
using Chat.Api.Search;
using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
using Chat.Domain;
using Chat.Domain.Counts;

var builder = WebApplication.CreateBuilder(args);
builder.AddChatDomain();
builder.AddCountsClient();
builder.AddJsonConventions();
builder.AddProblemHandling();
builder.AddAdminKey();
builder.AddCallerAuthentication();
builder.AddRateLimits();
builder.AddHealth();
builder.AddShared();
builder.AddApplications();
builder.AddChats();
builder.AddMessages();
builder.AddMessageSearch();
builder.AddMembers();
builder.AddRealtime();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRateLimits();
app.MapHealth();
app.MapApplications();
app.MapChats();
app.MapMessages();
app.MapMessageSearch();
app.MapMembers();
app.MapEvents();
app.MapRealtime();
app.MapAdminJobs();
app.Run();

/// <summary>Visible to the tests' WebApplicationFactory.</summary>
public partial class Program;

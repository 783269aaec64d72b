-- Prosody for tools/bench/side-by-side.sh (which fills in the @NAMES@). Loopback only, TLS required,
-- SCRAM-SHA-256 with stored keys (internal_hashed), 4096 iterations like the other servers.
-- Modules: what a plain IM server needs (the features our server has), no rate limits (mod_limits
-- would cap each client at 10 kB/s and measure the limit, not the server).
-- MUC (the groupchat scenario): the Component at the end, with Prosody's defaults: 0.12's mod_muc has
-- no occupant limit and no message rate limit of its own (mod_muc_limits is a community module, not
-- loaded); new rooms are locked until configured (the bench submits the instant-room form).
run_as_root = true
daemonize = false
pidfile = "@DATA@/prosody.pid"
data_path = "@DATA@"
certificates = "@CERTDIR@"
plugin_paths = { }
admins = { }
network_backend = "epoll"
interfaces = { "127.0.0.1" }
c2s_ports = { @PORT@ }
c2s_direct_tls_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }

modules_enabled = {
	"roster"; "saslauth"; "tls"; "disco"; "ping"; "offline";
}
modules_disabled = { "s2s"; "s2s_auth_certs"; }

c2s_require_encryption = true
allow_unencrypted_plain_auth = false
authentication = "internal_hashed"
password_hash = "SHA-256"
default_iteration_count = 4096
storage = "internal"

ssl = {
	certificate = "@CERT@";
	key = "@KEY@";
}

log = {
	warn = "@DATA@/prosody.log";
}

VirtualHost "@DOMAIN@"
	ssl = {
		certificate = "@CERT@";
		key = "@KEY@";
	}

-- XEP-0045 for the groupchat scenario: defaults (history 20 messages per room, kept in memory;
-- anyone may create a room; rooms temporary unless configured persistent).
Component "conference.@DOMAIN@" "muc"

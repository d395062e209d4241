# floors.sh: the two floors of style rule 14, measured in the same run as
# the scenarios: a private nginx on 127.0.0.1:$NGINX_PORT answering
# `return 200 '{}'` at /const and passing /fcgi to fcgifloor ($NWORKERS
# minimal libfcgi processes, like the pool). Sourced by the bench-*.sh
# scripts, which set T (their scratch dir, with fcgifloor built in it),
# NGINX_PORT, NWORKERS and DEV_VAR, and define log and die.

# Starts both; sets FCGI_FLOOR and PRIV_NGINX. Returns 1 (and says so)
# when the port is taken.
floors_start() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null; then
		log "port $NGINX_PORT is taken: skipping the floors (BENCH_NGINX_PORT)"
		return 1
	fi
	"$T/fcgifloor" "$T/fcgi.sock" "$NWORKERS" &
	FCGI_FLOOR=$!
	mkdir -p "$T/nginx"
	cat >"$T/nginx/nginx.conf" <<-EOF
	# private nginx of tests/load (floors.sh): the dev nginx's settings,
	# a constant and a minimal FastCGI answer
	user www-data www-data;
	worker_processes $(grep -m1 -Po '^worker_processes \K[0-9a-z]+' "$DEV_VAR/nginx/nginx.conf" || echo 2);
	pid $T/nginx/nginx.pid;
	error_log $T/nginx/error.log warn;
	events { worker_connections 1024; }
	http {
		default_type application/octet-stream;
		sendfile on;
		keepalive_timeout 65;
		server_tokens off;
		access_log off;
		client_body_temp_path $T/nginx/client_body;
		proxy_temp_path $T/nginx/proxy;
		fastcgi_temp_path $T/nginx/fastcgi;
		uwsgi_temp_path $T/nginx/uwsgi;
		scgi_temp_path $T/nginx/scgi;
		server {
			listen 127.0.0.1:$NGINX_PORT;
			location = /const {
				default_type application/json;
				return 200 '{}';
			}
			location = /fcgi {
				include /etc/nginx/fastcgi_params;
				fastcgi_param HTTP_PROXY "";
				fastcgi_pass unix:$T/fcgi.sock;
			}
		}
	}
	EOF
	nginx -e "$T/nginx/error.log" -p "$T/nginx" -c "$T/nginx/nginx.conf" \
		-g 'daemon off;' &
	PRIV_NGINX=$!
	local i
	for i in $(seq 50); do
		curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/fcgi" && break
		sleep 0.1
	done
	curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/fcgi" ||
		die "private nginx did not answer ($(tail -n 3 "$T/nginx/error.log"))"
}

floors_stop() {
	kill -QUIT "$PRIV_NGINX"
	wait "$PRIV_NGINX" || true
	PRIV_NGINX=
	kill -TERM "$FCGI_FLOOR"
	wait "$FCGI_FLOOR" || true
	FCGI_FLOOR=
}

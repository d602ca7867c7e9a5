# What `make install` (PREFIX, DESTDIR) and the Debian package install: the
# daemons in sbin under names that say whose they are, chat-token in bin, the
# chat page, the nginx site rendered for production paths, systemd units, an
# example settings file and the Prometheus scrape config and alert rules.
# The package moves nothing: it only sets the directories below (deploy/debian/rules).
set(CHAT_STREAM_SLOTS 256 CACHE STRING "Stream pool size = nginx limit_conn for streams")
set(CHAT_NGINX_CONF_DIR "${CMAKE_INSTALL_FULL_DATADIR}/chat/nginx" CACHE PATH
    "Where the rendered nginx snippets and site are installed")
set(CHAT_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" CACHE PATH
    "Where the systemd units are installed")
set(CHAT_SSL_CERTIFICATE /etc/ssl/chat/fullchain.pem CACHE STRING "The site's certificate chain")
set(CHAT_SSL_CERTIFICATE_KEY /etc/ssl/chat/privkey.pem CACHE STRING "The site's private key")

install(PROGRAMS $<TARGET_FILE:stream-messages> DESTINATION ${CMAKE_INSTALL_SBINDIR} RENAME chat-stream)
install(PROGRAMS $<TARGET_FILE:messages> DESTINATION ${CMAKE_INSTALL_SBINDIR} RENAME chat-messages)
install(TARGETS chat-pool devmongod RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS chat-token RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/src/www/ DESTINATION ${CMAKE_INSTALL_DATADIR}/chat/www)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/chat.env DESTINATION ${CMAKE_INSTALL_DATADIR}/chat
        RENAME chat.env.example)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/prometheus/prometheus.yml
              ${CMAKE_SOURCE_DIR}/deploy/prometheus/chat-alerts.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/chat/prometheus)

set(CHAT_SBINDIR ${CMAKE_INSTALL_FULL_SBINDIR})
set(STREAM_SLOTS ${CHAT_STREAM_SLOTS})
foreach(unit chat-stream chat-messages devmongod)
  configure_file(${CMAKE_SOURCE_DIR}/deploy/systemd/${unit}.service.in
                 ${CMAKE_BINARY_DIR}/deploy/systemd/${unit}.service @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/deploy/systemd/${unit}.service DESTINATION ${CHAT_SYSTEMD_UNIT_DIR})
endforeach()
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/nginx-cpu-policy.conf
        DESTINATION ${CMAKE_INSTALL_DATADIR}/chat/systemd/nginx.service.d RENAME chat-cpu-policy.conf)

# The nginx files are rendered at install time, for their final directory.
install(CODE "
  set(conf \"${CHAT_NGINX_CONF_DIR}\")
  message(STATUS \"Rendering the nginx site into \$ENV{DESTDIR}\${conf}\")
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env CONF_DIR=\${conf}
            WWW_ROOT=${CMAKE_INSTALL_FULL_DATADIR}/chat/www
            STREAM_SOCKET=/run/chat/stream.sock MESSAGES_SOCKET=/run/chat/messages.sock
            STREAM_SLOTS=${CHAT_STREAM_SLOTS} STREAM_PER_IP=20 POST_RATE=5 POST_BURST=20
            SSL_CERTIFICATE=${CHAT_SSL_CERTIFICATE} SSL_CERTIFICATE_KEY=${CHAT_SSL_CERTIFICATE_KEY}
            sh ${CMAKE_SOURCE_DIR}/deploy/render-nginx.sh \$ENV{DESTDIR}\${conf} site
    RESULT_VARIABLE rendered)
  if(NOT rendered EQUAL 0)
    message(FATAL_ERROR \"rendering the nginx site failed\")
  endif()
")

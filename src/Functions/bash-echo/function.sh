# The bash-echo handler (_HANDLER=function.handler): returns the event unchanged.
# Called once per event with the event on stdin; whatever it prints is the response.
handler() {
  cat
}

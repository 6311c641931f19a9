// The error a promise is refused with; a promise that is not refused fails the test.
async function refused(promise) {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('not refused')
}

module.exports = { refused }
